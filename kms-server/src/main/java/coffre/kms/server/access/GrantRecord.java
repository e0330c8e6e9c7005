package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyId;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A time-bounded permission for one exact principal to perform some operations with one key,
 * optionally only with given encryption context pairs. Validated at construction, whether it comes
 * from approved {@link GrantTerms} or from the store.
 *
 * <p>Times are kept to the microsecond, the precision of the store's timestamps, so a grant reads
 * back equal to what was written. The grant is live in {@code [notBefore, notAfter)} until revoked.
 *
 * @param id                 "grt-" followed by 26 characters of [a-z2-7], chosen by the server
 * @param contextConstraints pairs the encryption context must hold, each with exactly that value
 * @param revokedAt          null while not revoked
 */
public record GrantRecord(String id, KeyId keyId, Principal principal, Set<DataOperation> operations,
                          Map<String, String> contextConstraints, Instant notBefore, Instant notAfter,
                          Instant createdAt, Instant revokedAt) {
    public static final int MAX_CONTEXT_CONSTRAINTS = 32;
    /** For principals, context keys and values. */
    public static final int MAX_STRING_CHARS = 256;
    /** A grant is a temporary exception; anything longer belongs in the key's access policy. */
    public static final Duration MAX_DURATION = Duration.ofDays(366);

    private static final Pattern ID_FORMAT = Pattern.compile("grt-[a-z2-7]{26}");
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    /** The times a grant may name: 0001-01-01 to 9999-12-31, the range of the API's timestamps. */
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    /**
     * @throws KmsException {@link ErrorReason#INVALID_GRANT} with {@code metadata.field} (the
     *                      API's field names of the terms, or {@code id})
     */
    public GrantRecord {
        if (id == null || !ID_FORMAT.matcher(id).matches()) {
            throw invalid("id", "a grant id is \"grt-\" followed by 26 characters of [a-z2-7]");
        }
        if (keyId == null) {
            throw invalid("key_id", "a grant names a key id");
        }
        if (principal == null) {
            throw invalid("principal", "a grant names one principal");
        }
        checkPrincipal(principal.name());
        if (operations == null || operations.isEmpty()) {
            throw invalid("operations", "a grant lists at least one of " + DataOperation.NAMES);
        }
        for (DataOperation op : operations) {
            if (op == null) {
                throw invalid("operations", "operations are " + DataOperation.NAMES);
            }
        }
        operations = Collections.unmodifiableSet(EnumSet.copyOf(operations));
        contextConstraints = contextConstraints == null ? Map.of() : contextConstraints;
        checkConstraints(contextConstraints);
        contextConstraints = Collections.unmodifiableMap(new TreeMap<>(contextConstraints));
        if (notBefore == null || createdAt == null) {
            throw invalid(notBefore == null ? "not_before" : "create_time", "is required");
        }
        if (notAfter == null) {
            throw invalid("not_after", "a grant needs an end time (not_after)");
        }
        notBefore = micros(notBefore);
        notAfter = micros(notAfter);
        createdAt = micros(createdAt);
        revokedAt = revokedAt == null ? null : micros(revokedAt);
        if (!notAfter.isAfter(notBefore)) {
            throw invalid("not_after", "not_after must be after not_before");
        }
        if (Duration.between(notBefore, notAfter).compareTo(MAX_DURATION) > 0) {
            throw new KmsException(ErrorReason.INVALID_GRANT,
                    "a grant lasts at most " + MAX_DURATION.toDays() + " days from not_before to not_after",
                    Map.of("field", "not_after", "limit", MAX_DURATION.toDays() + "d"));
        }
    }

    /**
     * A new grant from approved terms, with a fresh id. {@code notBefore} defaults to {@code now};
     * {@code notAfter} is required and must still be ahead of {@code now}, since an approval can
     * take long enough for a short grant to lapse before it exists.
     *
     * @throws KmsException {@link ErrorReason#INVALID_GRANT}
     */
    public static GrantRecord create(GrantTerms terms, Instant now, SecureRandom random) {
        if (terms.keyId() == null || terms.keyId().isEmpty()) {
            throw invalid("key_id", "a grant names a key id");
        }
        if (!KeyId.isWellFormed(terms.keyId())) {
            throw invalid("key_id", "a grant names a key by its id, \"key-\" followed by 26 characters of [a-z2-7]");
        }
        checkPrincipal(terms.principal());
        Set<DataOperation> operations = EnumSet.noneOf(DataOperation.class);
        for (String name : terms.operations()) {
            Optional<DataOperation> op = DataOperation.named(name);
            if (op.isEmpty()) {
                throw invalid("operations", "operations are " + DataOperation.NAMES);
            }
            operations.add(op.get());
        }
        if (terms.notAfter() == null) {
            throw invalid("not_after", "a grant needs an end time (not_after)");
        }
        Instant notBefore = terms.notBefore() != null ? inRange(terms.notBefore(), "not_before") : now;
        Instant notAfter = inRange(terms.notAfter(), "not_after");
        if (!notAfter.isAfter(now)) {
            throw invalid("not_after", "not_after has already passed");
        }
        return new GrantRecord(randomId(random), new KeyId(terms.keyId()), new Principal(terms.principal()),
                operations, terms.contextConstraints(), notBefore, notAfter, now, null);
    }

    public static boolean isWellFormedId(String id) {
        return id != null && ID_FORMAT.matcher(id).matches();
    }

    /** Not revoked, and {@code notBefore <= now < notAfter}. */
    public boolean isLiveAt(Instant now) {
        return revokedAt == null && !now.isBefore(notBefore) && now.isBefore(notAfter);
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    public GrantRecord revokedAt(Instant when) {
        return new GrantRecord(id, keyId, principal, operations, contextConstraints, notBefore, notAfter,
                createdAt, when);
    }

    /** Whether the context holds every constrained pair with exactly its value (other pairs may be present). */
    public boolean constraintsMetBy(Map<String, String> context) {
        if (contextConstraints.isEmpty()) {
            return true;
        }
        if (context == null) {
            return false;
        }
        for (Map.Entry<String, String> pair : contextConstraints.entrySet()) {
            if (!pair.getValue().equals(context.get(pair.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The first constrained key the context lacks or holds with another value; null if none. */
    String firstUnmetConstraint(Map<String, String> context) {
        for (Map.Entry<String, String> pair : contextConstraints.entrySet()) {
            if (context == null || !pair.getValue().equals(context.get(pair.getKey()))) {
                return pair.getKey();
            }
        }
        return null;
    }

    static String randomId(SecureRandom random) {
        StringBuilder sb = new StringBuilder("grt-");
        for (int i = 0; i < 26; i++) {
            sb.append(BASE32[random.nextInt(BASE32.length)]);
        }
        return sb.toString();
    }

    /** Grants are for one accountable principal: a pattern would widen access without a name on it. */
    private static void checkPrincipal(String name) {
        if (name == null || name.isEmpty()) {
            throw invalid("principal", "a grant names one principal");
        }
        KeyAccessPolicy.checkPrincipalText(name, "principal", ErrorReason.INVALID_GRANT);
        if (name.indexOf('*') >= 0 || name.indexOf('?') >= 0) {
            throw invalid("principal", "a grant names one exact principal, without '*' or '?'");
        }
    }

    private static void checkConstraints(Map<String, String> constraints) {
        if (constraints.size() > MAX_CONTEXT_CONSTRAINTS) {
            throw new KmsException(ErrorReason.INVALID_GRANT,
                    "a grant has at most " + MAX_CONTEXT_CONSTRAINTS + " context constraints",
                    Map.of("field", "context_constraints", "limit", Integer.toString(MAX_CONTEXT_CONSTRAINTS)));
        }
        for (Map.Entry<String, String> pair : constraints.entrySet()) {
            if (pair.getKey() == null || pair.getKey().isEmpty()) {
                throw invalid("context_constraints", "context constraint keys must not be empty");
            }
            if (pair.getValue() == null) {
                throw invalid("context_constraints", "context constraint values must not be null");
            }
            if (pair.getKey().length() > MAX_STRING_CHARS || pair.getValue().length() > MAX_STRING_CHARS) {
                throw new KmsException(ErrorReason.INVALID_GRANT,
                        "context constraint keys and values are at most " + MAX_STRING_CHARS + " characters",
                        Map.of("field", "context_constraints", "limit", Integer.toString(MAX_STRING_CHARS)));
            }
        }
    }

    private static Instant inRange(Instant instant, String field) {
        if (instant.getEpochSecond() < MIN_SECONDS || instant.getEpochSecond() > MAX_SECONDS) {
            throw invalid(field, "not a valid timestamp");
        }
        return instant;
    }

    private static Instant micros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    private static KmsException invalid(String field, String message) {
        return new KmsException(ErrorReason.INVALID_GRANT, field + ": " + message, Map.of("field", field));
    }
}
