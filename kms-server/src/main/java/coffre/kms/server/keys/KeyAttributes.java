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
 */
public record KeyAttributes(Alias alias, String description, Map<String, String> labels,
                            KeyAccessPolicy accessPolicy, boolean requireUnwrapApproval) {
    public static final int MAX_DESCRIPTION_CHARS = 1024;
    public static final int MAX_LABELS = 32;
    public static final int MAX_LABEL_VALUE_CHARS = 256;
    private static final Pattern LABEL_KEY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    /** Attributes with no access policy (nobody may use the key) and no break-glass approval. */
    public KeyAttributes(Alias alias, String description, Map<String, String> labels) {
        this(alias, description, labels, KeyAccessPolicy.EMPTY, false);
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
    }

    private static boolean hasControlCharacters(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }
}
