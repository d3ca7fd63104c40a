-- OAuth 2.0 delegated access (authorization code + PKCE): clients, connections (a person's
-- consent to a client for one company), authorization codes and rotating refresh token
-- families. Codes and refresh tokens are stored only as keyed hashes.
CREATE TABLE oauth_clients (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    company_id TEXT REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    logo_uri TEXT,
    client_uri TEXT,
    redirect_uris TEXT NOT NULL,
    secret_hash TEXT,
    secret_hint TEXT NOT NULL DEFAULT '',
    auth_method TEXT NOT NULL,
    created_by TEXT,
    registered_ip TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_used_at BIGINT,
    deleted_at BIGINT
);
CREATE INDEX oauth_clients_company ON oauth_clients (company_id, id);
CREATE INDEX oauth_clients_unused ON oauth_clients (kind, created_at);

CREATE TABLE oauth_connections (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    scope TEXT NOT NULL,
    surfaces TEXT NOT NULL,
    active BIGINT NOT NULL,
    credential_version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_used_at BIGINT,
    deleted_at BIGINT
);
CREATE INDEX oauth_connections_company ON oauth_connections (company_id, id);
CREATE INDEX oauth_connections_client ON oauth_connections (client_id, company_id, user_id);

CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    surfaces TEXT NOT NULL,
    scope TEXT NOT NULL,
    family_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

CREATE TABLE oauth_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    surfaces TEXT NOT NULL,
    family_started_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    rotated_scope TEXT,
    rotated_surfaces TEXT,
    revoked_at BIGINT
);
CREATE INDEX oauth_refresh_family ON oauth_refresh_tokens (family_id);
CREATE INDEX oauth_refresh_connection ON oauth_refresh_tokens (connection_id);
CREATE INDEX oauth_refresh_created ON oauth_refresh_tokens (created_at);
