-- Officers, the quorum rule and approval requests. Records are kept whole as serialised
-- protobuf messages (base64, portable across H2 and PostgreSQL) beside the columns that queries
-- and the exactly-once guard need.

CREATE TABLE kms_quorum (
    id               INTEGER      NOT NULL PRIMARY KEY,
    threshold        INTEGER      NOT NULL,
    min_per_operator INTEGER      NOT NULL,
    ceremony_digest  VARCHAR(64)  NOT NULL,
    initialized_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE kms_officer (
    id         VARCHAR(64)    NOT NULL PRIMARY KEY,
    status     VARCHAR(32)    NOT NULL,
    body       VARCHAR(20000) NOT NULL
);

CREATE TABLE kms_approval (
    id         VARCHAR(32)     NOT NULL PRIMARY KEY,
    -- PENDING, EXECUTING (claimed by the vote that completed the rule), EXECUTED, FAILED, REJECTED, EXPIRED
    phase      VARCHAR(16)     NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    revision   BIGINT          NOT NULL,
    body       VARCHAR(400000) NOT NULL
);

CREATE INDEX kms_approval_by_phase ON kms_approval (phase, created_at);
