package coffre.kms.server.keys;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The caller-chosen, non-secret attributes of a new key, validated at construction.
 *
 * @param alias        may be null
 * @param accessPolicy who may use the key; null: nobody
 * @param requireUnwrapApproval break-glass: each unwrap or decrypt waits for officers (not for signing keys)
 * @param spec         null means {@link KeySpec#AES_256}
 * @param usage        null means {@link KeyUsage#ENCRYPT_DECRYPT}; it must be one {@link KeySpec#allows}
 */
public record KeyAttributes(Alias alias, String description, Map<String, String> labels,
                            KeyAccessPolicy accessPolicy, boolean requireUnwrapApproval, KeySpec spec,
                            KeyUsage usage) {
    public static final int MAX_DESCRIPTION_CHARS = 1024;
    public static final int MAX_LABELS = 32;
    public static final int MAX_LABEL_VALUE_CHARS = 256;
    private static final Pattern LABEL_KEY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    /** Attributes of an AES-256 key with no access policy (nobody may use the key) and no break-glass approval. */
    public KeyAttributes(Alias alias, String description, Map<String, String> labels) {
        this(alias, description, labels, KeyAccessPolicy.EMPTY, false);
    }

    /** Attributes of an AES-256 key. */
    public KeyAttributes(Alias alias, String description, Map<String, String> labels, KeyAccessPolicy accessPolicy,
                         boolean requireUnwrapApproval) {
        this(alias, description, labels, accessPolicy, requireUnwrapApproval, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT);
    }

    public KeyAttributes {
        accessPolicy = accessPolicy == null ? KeyAccessPolicy.EMPTY : accessPolicy;
        description = description == null ? "" : description;
        if (description.length() > MAX_DESCRIPTION_CHARS || hasControlCharacters(description)) {
            throw new KmsException(ErrorReason.INVALID_DESCRIPTION,
                    "a description is at most " + MAX_DESCRIPTION_CHARS + " characters, without control characters",
                    Map.of("limit", Integer.toString(MAX_DESCRIPTION_CHARS)));
        }
        labels = labels == null ? Map.of() : labels;
        if (labels.size() > MAX_LABELS) {
            throw new KmsException(ErrorReason.INVALID_LABELS, "at most " + MAX_LABELS + " labels",
                    Map.of("limit", Integer.toString(MAX_LABELS)));
        }
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!LABEL_KEY.matcher(label.getKey()).matches()) {
                throw new KmsException(ErrorReason.INVALID_LABELS,
                        "label keys are 1-63 characters of [a-z0-9_-], starting with a letter or digit");
            }
            String value = label.getValue();
            if (value.length() > MAX_LABEL_VALUE_CHARS || hasControlCharacters(value)) {
                throw new KmsException(ErrorReason.INVALID_LABELS,
                        "label values are at most " + MAX_LABEL_VALUE_CHARS + " characters, without control characters");
            }
        }
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        spec = spec == null ? KeySpec.AES_256 : spec;
        usage = usage == null ? KeyUsage.ENCRYPT_DECRYPT : usage;
        requireFits(spec, usage, requireUnwrapApproval);
        requirePolicyFits(spec, accessPolicy);
    }

    /**
     * @throws KmsException {@link ErrorReason#INVALID_KEY_SPEC} for a usage the spec cannot have, or
     *                      break-glass on a signing key (approval is per decryption)
     */
    public static void requireFits(KeySpec spec, KeyUsage usage, boolean requireUnwrapApproval) {
        if (!spec.allows(usage)) {
            String allowed = String.join(", ", java.util.Arrays.stream(KeyUsage.values()).filter(spec::allows)
                    .map(Enum::name).toList());
            throw new KmsException(ErrorReason.INVALID_KEY_SPEC, spec + " keys cannot be " + usage
                    + "; their usage is " + allowed, Map.of("allowed", allowed));
        }
        if (requireUnwrapApproval && usage == KeyUsage.SIGN_VERIFY) {
            throw new KmsException(ErrorReason.INVALID_KEY_SPEC, "break-glass approval (require_unwrap_approval) "
                    + "applies to decryption: a SIGN_VERIFY key cannot have it");
        }
    }

    /**
     * An asymmetric key's calls carry no encryption context, so a policy that requires one would
     * refuse them all: refused when it is set instead.
     *
     * @throws KmsException {@link ErrorReason#INVALID_POLICY} (field required_context)
     */
    public static void requirePolicyFits(KeySpec spec, KeyAccessPolicy policy) {
        if (spec.asymmetric() && !policy.requiredContext().isEmpty()) {
            throw new KmsException(ErrorReason.INVALID_POLICY, spec + " keys take no encryption context: "
                    + "their policy cannot require one", Map.of("field", "required_context"));
        }
    }

    private static boolean hasControlCharacters(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }
}
