-- Per-key access policy (the serialised coffre.kms.v1.AccessPolicy, base64: portable across H2
-- and PostgreSQL) and the break-glass flag. Existing keys get an empty policy: nobody may use
-- them until officers approve one.
ALTER TABLE kms_key ADD COLUMN access_policy VARCHAR(200000) DEFAULT '' NOT NULL;
ALTER TABLE kms_key ADD COLUMN require_unwrap_approval BOOLEAN DEFAULT FALSE NOT NULL;
