-- A rotation is now one INSERT of the successor (its hash is derived from the rotated token, so
-- the primary key decides which of two concurrent rotations wins); "used" means "has a
-- successor". The successor row carries the scope and surfaces of the access token issued
-- beside it, so that a retried rotation answers with the very same pair. `used_at`,
-- `rotated_scope` and `rotated_surfaces` are no longer written.
ALTER TABLE oauth_refresh_tokens ADD COLUMN issued_scope TEXT;
ALTER TABLE oauth_refresh_tokens ADD COLUMN issued_surfaces TEXT;
