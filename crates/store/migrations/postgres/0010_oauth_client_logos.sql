-- Logos of OAuth apps registered by a company: fetched once at registration, re-encoded as a
-- small PNG and served from NewLedger's own origin (never hot-linked).
CREATE TABLE oauth_client_logos (
    client_id TEXT PRIMARY KEY,
    png BYTEA NOT NULL,
    fetched_at BIGINT NOT NULL
);
