package coffre.kms.server.approval;

import coffre.kms.v1.Operation;
import coffre.kms.v1.signing.Statements;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Approved break-glass calls waiting to be used. When officers approve an {@code UnwrapOnceOperation}
 * (same key version, same envelope, same encryption context) or a {@code DecryptOnceOperation}
 * (same key version, same ciphertext), the same caller may repeat that exact call once, before the
 * window closes. The pending request of each exact call is remembered too, so asking again does not
 * pile up requests.
 *
 * <p>An allowance is named by the canonical bytes of its operation, the bytes officers signed: one
 * operation, one name, and an unwrap's allowance never opens a decrypt (their operations differ).
 * Kept in memory: an allowance not used before a restart must be approved again (the executed
 * request stays on record).
 */
public final class BreakGlassAllowances {
    private final Map<String, Instant> allowed = new ConcurrentHashMap<>();
    private final Map<String, String> pendingRequests = new ConcurrentHashMap<>();

    /** Records an approved call, usable once until {@code until}. */
    public void allow(Operation op, Instant until) {
        String id = identity(op);
        allowed.put(id, until);
        pendingRequests.remove(id);
    }

    /** Uses up the allowance for this exact call, if there is a live one. */
    public boolean consume(Operation op, Instant now) {
        Instant until = allowed.remove(identity(op));
        return until != null && now.isBefore(until);
    }

    /**
     * The allowances not used yet and still open at a moment.
     *
     * @param soonestEnd when the first of them closes; null when none is open
     */
    public record Open(int count, Instant soonestEnd) {
    }

    /** The allowances open at {@code now} (for monitoring): each is an approved call not made yet. */
    public Open open(Instant now) {
        int count = 0;
        Instant soonest = null;
        for (Instant until : allowed.values()) {
            if (now.isBefore(until)) {
                count++;
                if (soonest == null || until.isBefore(soonest)) {
                    soonest = until;
                }
            }
        }
        return new Open(count, soonest);
    }

    /** The request already waiting for this exact call, if any was recorded. */
    public Optional<String> pendingRequest(Operation op) {
        return Optional.ofNullable(pendingRequests.get(identity(op)));
    }

    public void rememberPending(Operation op, String requestId) {
        pendingRequests.put(identity(op), requestId);
    }

    public void forgetPending(Operation op) {
        pendingRequests.remove(identity(op));
    }

    private static String identity(Operation op) {
        return HexFormat.of().formatHex(Statements.operationBytes(op));
    }
}
