-- A second cache epoch for documents: a document write tells other nodes to drop their cached
-- documents without also dropping their cached credentials (row 1 stays the credentials epoch).
INSERT INTO cache_epoch (id, value) VALUES (2, 0);
