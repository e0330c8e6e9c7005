package coffre.kms.server.approval;

import coffre.kms.v1.UnwrapOnceOperation;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Approved break-glass unwraps waiting to be used. When officers approve an
 * {@link UnwrapOnceOperation}, the same caller may repeat that exact unwrap — same key version,
 * same envelope, same encryption context — once, before the window closes. The pending request of
 * each exact unwrap is remembered too, so asking again does not pile up requests.
 *
 * <p>Kept in memory: an allowance not used before a restart must be approved again (the executed
 * request stays on record).
 */
public final class BreakGlassAllowances {
    private final Map<String, Instant> allowed = new ConcurrentHashMap<>();
    private final Map<String, String> pendingRequests = new ConcurrentHashMap<>();

    /** Records an approved unwrap, usable once until {@code until}. */
    public void allow(UnwrapOnceOperation op, Instant until) {
        String id = identity(op);
        allowed.put(id, until);
        pendingRequests.remove(id);
    }

    /** Uses up the allowance for this exact unwrap, if there is a live one. */
    public boolean consume(UnwrapOnceOperation op, Instant now) {
        Instant until = allowed.remove(identity(op));
        return until != null && now.isBefore(until);
    }

    /** The request already waiting for this exact unwrap, if any was recorded. */
    public Optional<String> pendingRequest(UnwrapOnceOperation op) {
        return Optional.ofNullable(pendingRequests.get(identity(op)));
    }

    public void rememberPending(UnwrapOnceOperation op, String requestId) {
        pendingRequests.put(identity(op), requestId);
    }

    public void forgetPending(UnwrapOnceOperation op) {
        pendingRequests.remove(identity(op));
    }

    private static String identity(UnwrapOnceOperation op) {
        HexFormat hex = HexFormat.of();
        return op.getPrincipal() + '\n' + op.getKeyId() + '\n' + op.getKeyVersion() + '\n'
                + hex.formatHex(op.getEnvelopeSha256().toByteArray()) + '\n'
                + hex.formatHex(op.getContextSha256().toByteArray());
    }
}
