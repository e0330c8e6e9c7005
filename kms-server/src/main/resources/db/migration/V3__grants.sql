-- Grants: time-bounded permissions for one exact principal on one key. Revoked grants stay, with
-- their revocation time, for listings and audit. Portable SQL: H2 2.3 and PostgreSQL 15.

CREATE TABLE kms_grant (
    id         VARCHAR(30)  NOT NULL PRIMARY KEY,
    key_id     VARCHAR(64)  NOT NULL REFERENCES kms_key (id),
    principal  VARCHAR(256) NOT NULL,
    -- DataOperation names, comma-separated in enum order, e.g. 'WRAP,UNWRAP'.
    operations VARCHAR(128) NOT NULL,
    not_before TIMESTAMP WITH TIME ZONE NOT NULL,
    not_after  TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX kms_grant_by_key ON kms_grant (key_id);

-- The encryption context pairs a grant requires, each with exactly this value.
CREATE TABLE kms_grant_constraint (
    grant_id      VARCHAR(30)  NOT NULL REFERENCES kms_grant (id),
    context_key   VARCHAR(256) NOT NULL,
    context_value VARCHAR(256) NOT NULL,
    PRIMARY KEY (grant_id, context_key)
);
