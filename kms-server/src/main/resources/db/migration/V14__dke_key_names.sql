-- Microsoft 365 Double Key Encryption key names (issue 21, docs/dke.md): which name of the DKE
-- listener's key URLs (https://<service>/<key name>) stands for which Coffre RSA key. A row exists
-- only once officers approved the mapping. Portable SQL: H2 2.3 and PostgreSQL 15.

CREATE TABLE kms_dke_key (
    key_name   VARCHAR(64) NOT NULL PRIMARY KEY,
    key_id     VARCHAR(64) NOT NULL REFERENCES kms_key (id),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX kms_dke_key_by_key ON kms_dke_key (key_id);
