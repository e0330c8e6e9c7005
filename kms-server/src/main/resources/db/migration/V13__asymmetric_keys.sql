-- Asymmetric keys (issue 21, docs/keys.md): what a key is and does, and each version's public key.
-- Existing keys are AES-256 keys for envelope encryption, which the defaults say. The public key is
-- a DER SubjectPublicKeyInfo in base64 (portable across H2 and PostgreSQL; at most 736 characters
-- for RSA-4096); it is public, and NULL for AES-256 versions. No private key is ever stored here.
-- Portable SQL: H2 2.3 and PostgreSQL 15.

ALTER TABLE kms_key ADD COLUMN key_spec VARCHAR(16) DEFAULT 'AES_256' NOT NULL;
ALTER TABLE kms_key ADD COLUMN key_usage VARCHAR(16) DEFAULT 'ENCRYPT_DECRYPT' NOT NULL;
ALTER TABLE kms_key_version ADD COLUMN public_key VARCHAR(2048);
