-- Audit retention: where each node's chain starts after a prune. One row per prune of a chain
-- (the current start is the row with the highest seq); earlier rows stay as the prune history.
-- seq and hash are the last pruned event and its chain hash, so the first event left must have
-- sequence seq + 1 and previous hash `hash`. checkpoint_seq is the checkpoint (kept, at or after
-- seq) that sealed the pruned events; archive_sha256 the digest of the archive officers approved.
-- mac is an HMAC computed inside the HSM with the checkpoint key over the anchor's fields
-- (AuditChainEncoding.anchorBytes), so an anchor cannot be forged or moved without the HSM.
-- Portable SQL: H2 2.3 and PostgreSQL 15.

CREATE TABLE kms_audit_anchor (
    node_id        VARCHAR(64) NOT NULL,
    seq            BIGINT      NOT NULL,
    hash           VARCHAR(64) NOT NULL,
    pruned_micros  BIGINT      NOT NULL,
    checkpoint_seq BIGINT      NOT NULL,
    archive_sha256 VARCHAR(64) NOT NULL,
    mac            VARCHAR(64) NOT NULL,
    PRIMARY KEY (node_id, seq)
);
