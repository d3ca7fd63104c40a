-- Clients known by a client ID metadata document: the `client_id` they use is the document's
-- URL; their `oac_` id is derived from it, so that every node and every fetch finds one row.
ALTER TABLE oauth_clients ADD COLUMN metadata_url TEXT;
