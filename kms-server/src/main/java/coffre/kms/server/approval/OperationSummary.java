package coffre.kms.server.approval;

import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Operation;
import java.time.Instant;
import java.util.stream.Collectors;

/**
 * The server's plain-words description of an operation, stored with its approval request for
 * listings. Officers' tools render their own description from the operation bytes; this one is
 * informational only and is never what anybody signs.
 */
public final class OperationSummary {
    private OperationSummary() {
    }

    public static String of(Operation op) {
        return switch (op.getKindCase()) {
            case CREATE_KEY -> "create " + keyKind(op.getCreateKey()) + (op.getCreateKey().getAlias().isEmpty() ? ""
                    : " with alias '" + op.getCreateKey().getAlias() + "'") + "; " + policy(op.getCreateKey().getAccessPolicy())
                    + (op.getCreateKey().getApprovalPolicy().getRequireUnwrapApproval()
                    ? "; every unwrap or decrypt needs approval" : "");
            case ENABLE_KEY -> "enable key " + op.getEnableKey().getKeyId();
            case ROTATE_KEY -> "rotate key " + op.getRotateKey().getKeyId();
            case SET_ACCESS_POLICY -> "set the access policy of key " + op.getSetAccessPolicy().getKeyId() + ": "
                    + policy(op.getSetAccessPolicy().getAccessPolicy());
            case CREATE_GRANT -> grant(op.getCreateGrant().getGrant());
            case SCHEDULE_KEY_DELETION -> "schedule the destruction of key " + op.getScheduleKeyDeletion().getKeyId()
                    + " after " + (op.getScheduleKeyDeletion().getPendingWindowDays() == 0 ? 30
                    : op.getScheduleKeyDeletion().getPendingWindowDays()) + " days";
            case CANCEL_KEY_DELETION -> "cancel the deletion of key " + op.getCancelKeyDeletion().getKeyId();
            case SET_APPROVAL_POLICY -> (op.getSetApprovalPolicy().getApprovalPolicy().getRequireUnwrapApproval()
                    ? "require approval for every unwrap with key " : "stop requiring approval for unwraps with key ")
                    + op.getSetApprovalPolicy().getKeyId();
            case ADD_OFFICER -> "add officer " + op.getAddOfficer().getOfficer().getId() + " ("
                    + op.getAddOfficer().getOfficer().getDisplayName() + ", " + op.getAddOfficer().getOfficer().getOperator() + ")";
            case REMOVE_OFFICER -> "remove officer " + op.getRemoveOfficer().getOfficerId();
            case REINSTATE_OFFICER -> "reinstate officer " + op.getReinstateOfficer().getOfficerId();
            case SET_QUORUM_RULE -> "change the quorum rule to " + QuorumRule.of(op.getSetQuorumRule()).describe();
            case UNWRAP_ONCE -> "let " + op.getUnwrapOnce().getPrincipal() + " unwrap one envelope of key "
                    + op.getUnwrapOnce().getKeyId() + " v" + op.getUnwrapOnce().getKeyVersion() + " once";
            case DECRYPT_ONCE -> "let " + op.getDecryptOnce().getPrincipal() + " decrypt one ciphertext (SHA-256 "
                    + java.util.HexFormat.of().formatHex(op.getDecryptOnce().getCiphertextSha256().toByteArray())
                    + ") with key " + op.getDecryptOnce().getKeyId() + " v" + op.getDecryptOnce().getKeyVersion() + " once";
            case PRUNE_AUDIT -> "prune the audit chain of node " + op.getPruneAudit().getNode() + " through event "
                    + Long.toUnsignedString(op.getPruneAudit().getThroughSequence()) + " (archive SHA-256 "
                    + java.util.HexFormat.of().formatHex(op.getPruneAudit().getArchiveSha256().toByteArray()) + ")";
            case CREATE_XKS_KEY_STORE -> "create external key store '" + op.getCreateXksKeyStore().getName() + "' ("
                    + op.getCreateXksKeyStore().getKeyStoreId() + ", URI path " + op.getCreateXksKeyStore().getUriPath()
                    + ", region " + op.getCreateXksKeyStore().getRegion() + ") with SigV4 credential "
                    + op.getCreateXksKeyStore().getAccessKeyId();
            case ACTIVATE_XKS_CREDENTIAL -> "activate SigV4 credential " + op.getActivateXksCredential().getAccessKeyId()
                    + " of external key store " + op.getActivateXksCredential().getKeyStoreId();
            case ENABLE_XKS_KEY_STORE -> "enable external key store " + op.getEnableXksKeyStore().getKeyStoreId();
            case MAP_XKS_KEY -> "map external key id " + op.getMapXksKey().getExternalKeyId() + " of external key store "
                    + op.getMapXksKey().getKeyStoreId() + " to key " + op.getMapXksKey().getKeyId();
            case DISABLE_KEY -> "disable key " + op.getDisableKey().getKeyId();
            case REVOKE_GRANT -> "revoke grant " + op.getRevokeGrant().getGrantId();
            case SUSPEND_OFFICER -> "suspend officer " + op.getSuspendOfficer().getOfficerId();
            case DISABLE_XKS_KEY_STORE -> "disable external key store " + op.getDisableXksKeyStore().getKeyStoreId();
            case REVOKE_XKS_CREDENTIAL -> "revoke SigV4 credential " + op.getRevokeXksCredential().getAccessKeyId()
                    + " of external key store " + op.getRevokeXksCredential().getKeyStoreId();
            case UNMAP_XKS_KEY -> "unmap external key id " + op.getUnmapXksKey().getExternalKeyId()
                    + " of external key store " + op.getUnmapXksKey().getKeyStoreId();
            case MAP_DKE_KEY -> "map DKE key name " + op.getMapDkeKey().getKeyName() + " to key "
                    + op.getMapDkeKey().getKeyId() + " (Office clients may then encrypt to it and decrypt with it)";
            case UNMAP_DKE_KEY -> "unmap DKE key name " + op.getUnmapDkeKey().getKeyName();
            case KIND_NOT_SET -> "no operation";
        };
    }

    /** "a key" for AES-256 (as every summary said before key specs), else its spec and usage. */
    private static String keyKind(coffre.kms.v1.CreateKeyOperation create) {
        if (create.getKeySpecValue() == 0 && create.getKeyUsageValue() == 0) {
            return "a key";
        }
        return "a " + create.getKeySpec() + " " + create.getKeyUsage() + " key";
    }

    private static String policy(AccessPolicy policy) {
        if (policy.getRulesCount() == 0) {
            return "nobody may use it";
        }
        String rules = policy.getRulesList().stream().map(OperationSummary::rule).collect(Collectors.joining("; "));
        if (policy.getRequiredContextCount() > 0) {
            rules += "; context must hold " + policy.getRequiredContextList().stream()
                    .map(ContextRequirement::getKey).collect(Collectors.joining(", "));
        }
        return rules;
    }

    private static String rule(AccessRule rule) {
        return String.join(", ", rule.getPrincipalsList()) + " may " + rule.getOperationsList().stream()
                .map(Enum::name).collect(Collectors.joining(", "));
    }

    private static String grant(GrantSpec grant) {
        return "grant " + grant.getPrincipal() + " " + grant.getOperationsList().stream().map(Enum::name)
                .collect(Collectors.joining(", ")) + " on key " + grant.getKeyId() + " until "
                + Instant.ofEpochSecond(grant.getNotAfter().getSeconds());
    }
}
