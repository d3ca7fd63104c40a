-- One-time secret reveals of the web app (post/redirect/get): after create or rotate the page
-- redirects to a reveal page that takes this row (single use) within a few minutes. The secret
-- is sealed with a key derived from the server key and bound to the session and the app; the
-- row dies with its session.
CREATE TABLE secret_reveals (
    session_hash TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    rotated BIGINT NOT NULL,
    sealed TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (session_hash, app_id)
);
