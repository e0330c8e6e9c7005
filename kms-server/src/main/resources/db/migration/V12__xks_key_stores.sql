-- AWS external key stores (issue 20, docs/xks.md): what AWS KMS connects to, their SigV4
-- credentials and the external key ids they serve. No secret is stored here: a credential's secret
-- lives only in the HSM (as the HMAC key "AWS4" + secret, labelled coffre:xks-cred:<access key id>).
-- Portable SQL: H2 2.3 and PostgreSQL 15.

CREATE TABLE kms_xks_store (
    id         VARCHAR(30)  NOT NULL PRIMARY KEY,
    name       VARCHAR(64)  NOT NULL,
    uri_path   VARCHAR(128) NOT NULL,
    region     VARCHAR(32)  NOT NULL,
    -- ENABLED or DISABLED
    state      VARCHAR(16)  NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT kms_xks_store_name_unique UNIQUE (name),
    CONSTRAINT kms_xks_store_uri_path_unique UNIQUE (uri_path)
);

-- A credential is made (PENDING) when it is asked for, before officers approve it: the first one of
-- a store exists before its store does, so key_store_id has no foreign key.
CREATE TABLE kms_xks_credential (
    access_key_id VARCHAR(30) NOT NULL PRIMARY KEY,
    key_store_id  VARCHAR(30) NOT NULL,
    -- PENDING, ACTIVE or REVOKED
    state         VARCHAR(16) NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX kms_xks_credential_by_store ON kms_xks_credential (key_store_id);

-- An external key id of a store maps to exactly one Coffre key; a key may be mapped by several stores.
CREATE TABLE kms_xks_key (
    key_store_id    VARCHAR(30)  NOT NULL REFERENCES kms_xks_store (id),
    external_key_id VARCHAR(128) NOT NULL,
    key_id          VARCHAR(64)  NOT NULL REFERENCES kms_key (id),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (key_store_id, external_key_id)
);

CREATE INDEX kms_xks_key_by_key ON kms_xks_key (key_id);
