-- Key metadata. No key material is ever stored: versions name their HSM object by label.
-- Portable SQL: the same migrations run on the embedded H2 store and on PostgreSQL.

CREATE TABLE kms_key (
    id               VARCHAR(64)  NOT NULL PRIMARY KEY,
    alias            VARCHAR(64)  UNIQUE,
    description      VARCHAR(1024) NOT NULL,
    state            VARCHAR(32)  NOT NULL,
    protection_level VARCHAR(16)  NOT NULL,
    primary_version  INTEGER      NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    deletion_time    TIMESTAMP WITH TIME ZONE,
    destroy_time     TIMESTAMP WITH TIME ZONE,
    revision         BIGINT       NOT NULL
);

CREATE TABLE kms_key_version (
    key_id       VARCHAR(64)  NOT NULL REFERENCES kms_key (id),
    version      INTEGER      NOT NULL,
    hsm_label    VARCHAR(128) NOT NULL UNIQUE,
    state        VARCHAR(32)  NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    destroyed_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (key_id, version)
);

CREATE TABLE kms_key_label (
    key_id VARCHAR(64)  NOT NULL REFERENCES kms_key (id),
    label_name  VARCHAR(63)  NOT NULL,
    label_value VARCHAR(256) NOT NULL,
    PRIMARY KEY (key_id, label_name)
);
