package coffre.kms.cli.output;

import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.CreateXksKeyStoreOperation;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DecryptOnceOperation;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.Officer;
import coffre.kms.v1.Operation;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.RequestCondition;
import coffre.kms.v1.RuleEffect;
import coffre.kms.v1.UnwrapOnceOperation;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Says in plain words, on one line, what an {@link Operation} will do: this is what an officer
 * reads before signing, so it is rendered here from the decoded operation bytes and never taken
 * from the server's own summary.
 *
 * <p>Every field of every operation that changes the outcome is shown; strings are quoted so an
 * empty or odd value is visible. A switch without default, so that an operation added to
 * quorum.proto fails this module's build until it is described here.
 */
public final class OperationDescriber {

    /** Days a deletion waits when the request says 0 (the server's default). */
    static final int DEFAULT_PENDING_WINDOW_DAYS = 30;

    private OperationDescriber() {
    }

    /**
     * The operation in plain words.
     *
     * @throws IllegalArgumentException for an empty operation or one of a kind this CLI does not know, or one
     *     holding an enum value it does not know
     */
    public static String describe(Operation operation) {
        return switch (operation.getKindCase()) {
            case CREATE_KEY -> createKey(operation.getCreateKey());
            case ENABLE_KEY -> "Enable key " + quote(operation.getEnableKey().getKeyId())
                    + ": wrap and unwrap are allowed again under its policy";
            case ROTATE_KEY -> "Rotate key " + quote(operation.getRotateKey().getKeyId())
                    + ": generate a new version in the HSM and make it primary (older versions still unwrap)";
            case SET_ACCESS_POLICY -> "Replace the access policy of key " + quote(operation.getSetAccessPolicy().getKeyId())
                    + " with: " + policy(operation.getSetAccessPolicy().getAccessPolicy());
            case CREATE_GRANT -> grant(operation.getCreateGrant().getGrant());
            case SCHEDULE_KEY_DELETION -> scheduleDeletion(operation.getScheduleKeyDeletion().getKeyId(),
                    operation.getScheduleKeyDeletion().getPendingWindowDays());
            case CANCEL_KEY_DELETION -> "Cancel the scheduled deletion of key " + quote(operation.getCancelKeyDeletion().getKeyId())
                    + " (it returns to DISABLED)";
            case SET_APPROVAL_POLICY -> approvalPolicy(operation.getSetApprovalPolicy().getKeyId(),
                    operation.getSetApprovalPolicy().getApprovalPolicy());
            case ADD_OFFICER -> addOfficer(operation.getAddOfficer().getOfficer());
            case REMOVE_OFFICER -> "Remove officer " + quote(operation.getRemoveOfficer().getOfficerId())
                    + " for good: their key no longer signs and their past votes stop counting";
            case REINSTATE_OFFICER -> "Reinstate suspended officer " + quote(operation.getReinstateOfficer().getOfficerId())
                    + ": they may sign again";
            case SET_QUORUM_RULE -> "Change the quorum rule to: " + rule(operation.getSetQuorumRule());
            case UNWRAP_ONCE -> unwrapOnce(operation.getUnwrapOnce());
            case DECRYPT_ONCE -> decryptOnce(operation.getDecryptOnce());
            case PRUNE_AUDIT -> "Prune the audit log of node " + quote(operation.getPruneAudit().getNode())
                    + " irreversibly: delete its events from the chain's start (or its last prune) through "
                    + Long.toUnsignedString(operation.getPruneAudit().getThroughSequence())
                    + " (rounded down to a stored row) from the live tables; they then exist only in the archive with"
                    + " SHA-256 " + java.util.HexFormat.of().formatHex(operation.getPruneAudit().getArchiveSha256()
                    .toByteArray()) + ": check the archive's digest (`coffre audit verify-export FILE` prints it)"
                    + " and that it is stored before approving";
            case CREATE_XKS_KEY_STORE -> createXksKeyStore(operation.getCreateXksKeyStore());
            case ACTIVATE_XKS_CREDENTIAL -> "Activate SigV4 credential " + quote(operation.getActivateXksCredential().getAccessKeyId())
                    + " of external key store " + quote(operation.getActivateXksCredential().getKeyStoreId())
                    + ": AWS KMS calls signed with its secret are accepted (at most two credentials are active per store)";
            case ENABLE_XKS_KEY_STORE -> "Enable external key store " + quote(operation.getEnableXksKeyStore().getKeyStoreId())
                    + ": AWS KMS may encrypt and decrypt again with the keys mapped to it";
            case MAP_XKS_KEY -> "Map external key id " + quote(operation.getMapXksKey().getExternalKeyId())
                    + " of external key store " + quote(operation.getMapXksKey().getKeyStoreId()) + " to key "
                    + quote(operation.getMapXksKey().getKeyId())
                    + ": AWS KMS may encrypt and decrypt with that key through the store, as the key's policy allows";
            case DISABLE_KEY -> "Disable key " + quote(operation.getDisableKey().getKeyId())
                    + " at once: every wrap and unwrap with it is refused";
            case REVOKE_GRANT -> "Revoke grant " + quote(operation.getRevokeGrant().getGrantId()) + " at once";
            case SUSPEND_OFFICER -> "Suspend officer " + quote(operation.getSuspendOfficer().getOfficerId())
                    + " at once: their signatures and votes stop counting";
            case DISABLE_XKS_KEY_STORE -> "Disable external key store " + quote(operation.getDisableXksKeyStore().getKeyStoreId())
                    + " at once: every AWS KMS encrypt and decrypt through it is refused";
            case REVOKE_XKS_CREDENTIAL -> "Revoke SigV4 credential " + quote(operation.getRevokeXksCredential().getAccessKeyId())
                    + " of external key store " + quote(operation.getRevokeXksCredential().getKeyStoreId())
                    + " at once: its secret no longer authenticates and its HSM key is destroyed";
            case UNMAP_XKS_KEY -> "Unmap external key id " + quote(operation.getUnmapXksKey().getExternalKeyId())
                    + " of external key store " + quote(operation.getUnmapXksKey().getKeyStoreId())
                    + " at once: AWS KMS no longer finds it";
            case MAP_DKE_KEY -> "Map Double Key Encryption key name " + quote(operation.getMapDkeKey().getKeyName())
                    + " to key " + quote(operation.getMapDkeKey().getKeyId())
                    + ": Office clients of the label using this name may then encrypt to the key and decrypt with it"
                    + " (its access policy still decides who)";
            case UNMAP_DKE_KEY -> "Unmap Double Key Encryption key name " + quote(operation.getUnmapDkeKey().getKeyName())
                    + " at once: Office clients no longer find it, on every node";
            case KIND_NOT_SET -> throw new IllegalArgumentException(
                    "the operation is empty or of a kind this version of coffre does not know");
        };
    }

    /** A quorum rule in plain words, e.g. "2 approvals, at least 1 from each operator". */
    public static String rule(QuorumRule rule) {
        String approvals = Integer.toUnsignedString(rule.getThreshold()) + (rule.getThreshold() == 1 ? " approval" : " approvals");
        return rule.getMinPerOperator() == 0
                ? approvals + " from active officers, no per-operator minimum"
                : approvals + " from active officers, at least " + Integer.toUnsignedString(rule.getMinPerOperator())
                        + " from each operator";
    }

    /** An access policy in plain words. */
    public static String policy(AccessPolicy policy) {
        List<String> parts = new ArrayList<>();
        if (policy.getRulesCount() == 0) {
            parts.add("nobody may use the key except through grants");
        }
        for (AccessRule rule : policy.getRulesList()) {
            parts.add((rule.getPrincipalsCount() == 1 ? "principal " : "principals ") + quoted(rule.getPrincipalsList())
                    + effect(rule.getEffect()) + operations(rule.getOperationsList()) + conditions(rule));
        }
        for (ContextRequirement requirement : policy.getRequiredContextList()) {
            String values = requirement.getAllowedValuesCount() == 0
                    ? ""
                    : requirement.getAllowedValuesCount() == 1
                            ? " with value " + quote(requirement.getAllowedValues(0))
                            : " with one of the values " + quoted(requirement.getAllowedValuesList());
            parts.add("requires context key " + quote(requirement.getKey()) + values);
        }
        return String.join("; ", parts);
    }

    private static String effect(RuleEffect effect) {
        return switch (effect) {
            case ALLOW -> " may ";
            // Deny wins: say so, since the officer may be reading the DENY rule after an ALLOW one.
            case DENY -> " may NOT (whatever other rules allow) ";
            case UNRECOGNIZED -> throw new IllegalArgumentException(
                    "a rule has an effect this version of coffre does not know");
        };
    }

    /** " when attribute is one of ... and ..." (only requests that carry request metadata: XKS calls). */
    private static String conditions(AccessRule rule) {
        if (rule.getConditionsCount() == 0) {
            return "";
        }
        List<String> each = new ArrayList<>();
        for (RequestCondition condition : rule.getConditionsList()) {
            each.add(quote(condition.getAttribute()) + (condition.getValuesCount() == 1
                    ? " is " + quote(condition.getValues(0))
                    : " is one of " + quoted(condition.getValuesList())));
        }
        return ", only on calls with request metadata (XKS) where " + String.join(" and ", each);
    }

    /** Data operations by name, e.g. "WRAP, UNWRAP"; "no operation" when empty. */
    public static String operations(List<DataOperation> operations) {
        return operations.isEmpty()
                ? "no operation"
                : operations.stream().map(OperationDescriber::operationName).collect(Collectors.joining(", "));
    }

    private static String operationName(DataOperation operation) {
        if (operation == DataOperation.UNRECOGNIZED) {
            // An officer cannot judge what they cannot read: refuse rather than print a placeholder.
            throw new IllegalArgumentException("the operation names a data operation this version of coffre does not know");
        }
        return operation.name();
    }

    private static String createKey(CreateKeyOperation create) {
        StringBuilder out = new StringBuilder("Create " + keyKind(create));
        out.append(create.getAlias().isEmpty() ? " without an alias" : " with alias " + quote(create.getAlias()));
        if (!create.getDescription().isEmpty()) {
            out.append(", description ").append(quote(create.getDescription()));
        }
        if (!create.getLabelsMap().isEmpty()) {
            out.append(", labels ").append(pairs(create.getLabelsMap()));
        }
        out.append(create.hasAccessPolicy()
                ? ", access policy: " + policy(create.getAccessPolicy())
                : ", no access policy (nobody may use it until a policy or grant is approved)");
        if (create.getApprovalPolicy().getRequireUnwrapApproval()) {
            out.append(create.getKeySpecValue() == 0 ? "; every unwrap needs officers' approval (break-glass key)"
                    : "; every decryption needs officers' approval (break-glass key)");
        }
        return out.toString();
    }

    /**
     * "a key" for an AES-256 key (the words officers read before key specs existed), else what the
     * HSM will generate and what it may do.
     */
    private static String keyKind(CreateKeyOperation create) {
        if (create.getKeySpec() == KeySpec.UNRECOGNIZED || create.getKeyUsage() == KeyUsage.UNRECOGNIZED) {
            throw new IllegalArgumentException("the key spec or usage is one this version of coffre does not know");
        }
        if (create.getKeySpec() == KeySpec.AES_256 && create.getKeyUsage() == KeyUsage.ENCRYPT_DECRYPT) {
            return "a key";
        }
        String does = create.getKeyUsage() == KeyUsage.SIGN_VERIFY ? "signing and verifying" : "decryption (RSA-OAEP)";
        return "an asymmetric " + create.getKeySpec() + " key for " + does + " (" + create.getKeyUsage()
                + ", key pair generated in the HSM)";
    }

    private static String createXksKeyStore(CreateXksKeyStoreOperation create) {
        return "Create external key store " + quote(create.getName()) + " (id " + quote(create.getKeyStoreId())
                + ") for AWS KMS in region " + quote(create.getRegion()) + " at URI path " + quote(create.getUriPath())
                + ", with SigV4 credential " + quote(create.getAccessKeyId())
                + " active: whoever holds its secret may call it for the keys later mapped to the store";
    }

    private static String scheduleDeletion(String keyId, int days) {
        String window = days == 0
                ? DEFAULT_PENDING_WINDOW_DAYS + " days (the server's default)"
                : Integer.toUnsignedString(days) + (days == 1 ? " day" : " days");
        return "Schedule key " + quote(keyId) + " for destruction: refused at once, its HSM material destroyed after "
                + window + " unless the deletion is cancelled";
    }

    private static String approvalPolicy(String keyId, ApprovalPolicy policy) {
        return policy.getRequireUnwrapApproval()
                ? "Make every unwrap with key " + quote(keyId) + " wait for officers' approval (break-glass key)"
                : "Stop requiring officers' approval for unwraps with key " + quote(keyId);
    }

    private static String grant(GrantSpec grant) {
        StringBuilder out = new StringBuilder("Grant principal ").append(quote(grant.getPrincipal()))
                .append(" the right to ").append(operations(grant.getOperationsList()))
                .append(" with key ").append(quote(grant.getKeyId()));
        if (!grant.getContextConstraintsMap().isEmpty()) {
            out.append(", only with encryption context ").append(pairs(grant.getContextConstraintsMap()));
        }
        out.append(grant.hasNotBefore() ? ", from " + Times.format(grant.getNotBefore()) : ", from approval");
        out.append(grant.hasNotAfter() ? " until " + Times.format(grant.getNotAfter()) : " with no end date");
        return out.toString();
    }

    private static String addOfficer(Officer officer) {
        String key;
        try {
            OfficerKeys.publicKey(officer.getPublicKey());
            key = officer.getPublicKey().getAlgorithm().name() + " public key with fingerprint "
                    + OfficerKeys.fingerprint(officer.getPublicKey());
        } catch (IllegalArgumentException e) {
            key = "an unusable public key (" + e.getMessage() + ")";
        }
        return "Add officer " + quote(officer.getId()) + " (" + quote(officer.getDisplayName()) + ", operator "
                + quote(officer.getOperator()) + ", "
                + (officer.getPrincipal().isEmpty() ? "no API principal" : "API principal " + quote(officer.getPrincipal()))
                + ") with " + key;
    }

    private static String unwrapOnce(UnwrapOnceOperation unwrap) {
        return "Let principal " + quote(unwrap.getPrincipal()) + " unwrap once, with version "
                + Integer.toUnsignedString(unwrap.getKeyVersion()) + " of key " + quote(unwrap.getKeyId())
                + ", the envelope with SHA-256 " + hex(unwrap.getEnvelopeSha256())
                + " under the encryption context with SHA-256 " + hex(unwrap.getContextSha256())
                + " (break-glass)";
    }

    private static String decryptOnce(DecryptOnceOperation decrypt) {
        return "Let principal " + quote(decrypt.getPrincipal()) + " decrypt once, with version "
                + Integer.toUnsignedString(decrypt.getKeyVersion()) + " of key " + quote(decrypt.getKeyId())
                + ", the ciphertext with SHA-256 " + hex(decrypt.getCiphertextSha256()) + " (break-glass)";
    }

    private static String quote(String text) {
        return "'" + Printable.clean(text) + "'";
    }

    private static String quoted(List<String> texts) {
        return texts.isEmpty() ? "(none)" : texts.stream().map(OperationDescriber::quote).collect(Collectors.joining(", "));
    }

    private static String pairs(Map<String, String> map) {
        return new TreeMap<>(map).entrySet().stream()
                .map(e -> quote(e.getKey() + "=" + e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String hex(ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }
}
