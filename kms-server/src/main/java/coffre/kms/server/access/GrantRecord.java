package coffre.kms.server.access;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Grant;
import coffre.kms.v1.GrantSpec;
import com.google.protobuf.Timestamp;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A time-bounded permission for one exact principal to perform some operations with one key,
 * optionally only with given encryption context pairs. Validated at construction, whether it comes
 * from an approved {@link GrantSpec} or from the store.
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
    /** The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31. */
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    /**
     * @throws KmsException {@link ErrorReason#INVALID_GRANT} with {@code metadata.field} (proto
     *                      field names of {@link GrantSpec}, or {@code id})
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
            throw invalid("operations", "a grant lists at least one of " + DataOperations.NAMES);
        }
        for (DataOperation op : operations) {
            if (!DataOperations.isValid(op)) {
                throw invalid("operations", "operations are " + DataOperations.NAMES);
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
     * A new grant from an approved spec, with a fresh id. {@code not_before} defaults to
     * {@code now}; {@code not_after} is required and must still be ahead of {@code now}, since an
     * approval can take long enough for a short grant to lapse before it exists.
     *
     * @throws KmsException {@link ErrorReason#INVALID_GRANT}
     */
    public static GrantRecord create(GrantSpec spec, Instant now, SecureRandom random) {
        if (spec.getKeyId().isEmpty()) {
            throw invalid("key_id", "a grant names a key id");
        }
        if (!KeyId.isWellFormed(spec.getKeyId())) {
            throw invalid("key_id", "a grant names a key by its id, \"key-\" followed by 26 characters of [a-z2-7]");
        }
        checkPrincipal(spec.getPrincipal());
        Set<DataOperation> operations = EnumSet.noneOf(DataOperation.class);
        for (DataOperation op : spec.getOperationsList()) {
            if (!DataOperations.isValid(op)) {
                throw invalid("operations", "operations are " + DataOperations.NAMES);
            }
            operations.add(op);
        }
        if (!spec.hasNotAfter()) {
            throw invalid("not_after", "a grant needs an end time (not_after)");
        }
        Instant notBefore = spec.hasNotBefore() ? instant(spec.getNotBefore(), "not_before") : now;
        Instant notAfter = instant(spec.getNotAfter(), "not_after");
        if (!notAfter.isAfter(now)) {
            throw invalid("not_after", "not_after has already passed");
        }
        return new GrantRecord(randomId(random), new KeyId(spec.getKeyId()), new Principal(spec.getPrincipal()),
                operations, spec.getContextConstraintsMap(), notBefore, notAfter, now, null);
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

    public Grant toProto() {
        GrantSpec spec = GrantSpec.newBuilder()
                .setKeyId(keyId.value())
                .setPrincipal(principal.name())
                .addAllOperations(operations)
                .putAllContextConstraints(contextConstraints)
                .setNotBefore(timestamp(notBefore))
                .setNotAfter(timestamp(notAfter))
                .build();
        Grant.Builder grant = Grant.newBuilder()
                .setId(id)
                .setSpec(spec)
                .setCreateTime(timestamp(createdAt))
                .setRevoked(revokedAt != null);
        if (revokedAt != null) {
            grant.setRevokeTime(timestamp(revokedAt));
        }
        return grant.build();
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

    private static Instant instant(Timestamp ts, String field) {
        if (ts.getSeconds() < MIN_SECONDS || ts.getSeconds() > MAX_SECONDS
                || ts.getNanos() < 0 || ts.getNanos() > 999_999_999) {
            throw invalid(field, "not a valid timestamp");
        }
        return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static Instant micros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    private static KmsException invalid(String field, String message) {
        return new KmsException(ErrorReason.INVALID_GRANT, field + ": " + message, Map.of("field", field));
    }
}
