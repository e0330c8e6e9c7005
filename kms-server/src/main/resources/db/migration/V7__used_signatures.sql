-- Act-now signatures already used (disable a key, revoke a grant, suspend an officer), shared by
-- every node so that a signature cannot be replayed on another node of a cluster either. Keyed on
-- the officer and the SHA-256 of the signed statement (not the signature bytes: ECDSA signatures
-- are malleable). Rows older than twice the signature window are purged. Portable SQL: H2 2.3 and
-- PostgreSQL 15.

CREATE TABLE kms_used_signature (
    statement_key VARCHAR(160) NOT NULL PRIMARY KEY,
    used_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX kms_used_signature_by_time ON kms_used_signature (used_at);
