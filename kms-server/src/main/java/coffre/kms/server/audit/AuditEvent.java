package coffre.kms.server.audit;

import coffre.kms.server.domain.ErrorReason;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One thing that happened, as the audit log records it. It never holds plaintext, key material,
 * PINs, envelopes or encryption-context values: only names, ids and a digest of the context.
 *
 * <p>Text fields are never null (absent is empty) and are cut to their column's length; the time
 * is kept to the microsecond, the precision that both stores keep, so a hash computed now
 * verifies after a round trip through the database.
 *
 * @param reason         the error's reason, or null when {@link AuditDecision#ALLOWED}
 * @param contextSha256  hex SHA-256 of the canonical encryption context, empty when none was given
 */
public record AuditEvent(Instant time, AuditEventType type, String principal, String keyId, int keyVersion,
                         AuditDecision decision, ErrorReason reason, String requestId, String target, String detail,
                         String contextSha256, long latencyMicros) {
    public static final int MAX_PRINCIPAL = 1024;
    public static final int MAX_KEY_ID = 64;
    public static final int MAX_REQUEST_ID = 64;
    public static final int MAX_TARGET = 128;
    public static final int MAX_DETAIL = 512;

    public AuditEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(decision, "decision");
        if ((decision == AuditDecision.ALLOWED) != (reason == null)) {
            throw new IllegalArgumentException("an allowed event has no reason, any other has one");
        }
        if (keyVersion < 0 || latencyMicros < 0) {
            throw new IllegalArgumentException("key version and latency are not negative");
        }
        time = time.truncatedTo(ChronoUnit.MICROS);
        principal = cut(principal, MAX_PRINCIPAL);
        keyId = cut(keyId, MAX_KEY_ID);
        requestId = cut(requestId, MAX_REQUEST_ID);
        target = cut(target, MAX_TARGET);
        detail = cut(detail, MAX_DETAIL);
        contextSha256 = cut(contextSha256, 64);
    }

    /** An action the node took by itself (no caller, no request). */
    public static AuditEvent system(Instant time, AuditEventType type, String keyId, String detail) {
        return new AuditEvent(time, type, "", keyId, 0, AuditDecision.ALLOWED, null, "", "", detail, "", 0);
    }

    /** The reason's name, or empty when allowed. */
    public String reasonName() {
        return reason == null ? "" : reason.name();
    }

    private static String cut(String value, int max) {
        if (value == null) {
            return "";
        }
        if (value.length() <= max) {
            return value;
        }
        // Never split a surrogate pair: the cut text must still encode to valid UTF-8.
        int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
        return value.substring(0, end);
    }
}
