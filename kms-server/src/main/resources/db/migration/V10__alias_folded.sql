-- Aliases are unique whatever their case (Alias.folded()): "Billing" cannot be created beside
-- "billing", so officers never approve a request for a key whose name differs from another's
-- only in case. Look-ups stay exact, on the alias column. The application fills alias_folded.

ALTER TABLE kms_key ADD COLUMN alias_folded VARCHAR(64);
UPDATE kms_key SET alias_folded = LOWER(alias) WHERE alias IS NOT NULL;
CREATE UNIQUE INDEX kms_key_alias_folded ON kms_key (alias_folded);
