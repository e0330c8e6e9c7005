package coffre.kms.server.health;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Whether this node can serve now, from three sources: the periodic deep check (HSM and store),
 * each call that failed because the store was unavailable, and the audit log's writes. A failed
 * audit write or store call turns readiness off at once, without waiting for the next deep check;
 * a successful deep check, or audit write, turns its own part back on.
 *
 * <p>Not ready until the first deep check has passed. In a fail-open deployment the audit log
 * does not decide readiness (calls are answered while it is unwritable). Thread-safe; the
 * publisher is told of each change only, under this object's lock, and must not block.
 */
public final class Readiness {
    private static final Logger LOG = System.getLogger(Readiness.class.getName());

    private final boolean auditDecides;
    private final Consumer<Boolean> publisher;
    private boolean checked;
    private boolean hsmUsable;
    private boolean storeUsable;
    private boolean auditWritable = true;
    private boolean serving;
    private String why = "no deep check has passed yet";
    private long changedAtNanos = System.nanoTime();
    private long storeFailures;

    /**
     * @param auditDecides false when the audit log fails open
     * @param publisher    receives the new readiness at each change (e.g. sets the gRPC health status)
     */
    public Readiness(boolean auditDecides, Consumer<Boolean> publisher) {
        this.auditDecides = auditDecides;
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /** The result of a deep check: replaces what the last one, and any failed store call since, said. */
    public synchronized void deepCheck(HealthMonitor.Report report) {
        checked = true;
        hsmUsable = report.hsmUsable();
        storeUsable = report.storeUsable();
        update(report.serving() ? "deep check passed" : report.detail());
    }

    /** A call failed because the store was unavailable: not ready until a deep check reaches it again. */
    public synchronized void storeFailed() {
        storeFailures++;
        if (storeUsable) {
            storeUsable = false;
            update("a store call failed");
        }
    }

    /** The audit log turned unwritable (false) or writable again (true). */
    public synchronized void auditWritable(boolean writable) {
        auditWritable = writable;
        update(writable ? "audit log writable again" : "an audit write failed");
    }

    public synchronized boolean serving() {
        return serving;
    }

    /** How many calls failed because the store was unavailable ({@link #storeFailed()}), since start. */
    public synchronized long storeFailures() {
        return storeFailures;
    }

    /** The {@link System#nanoTime()} of the last change. */
    public synchronized long changedAtNanos() {
        return changedAtNanos;
    }

    /** Why readiness last changed, safe to show operators. */
    public synchronized String why() {
        return why;
    }

    private void update(String cause) {
        boolean now = checked && hsmUsable && storeUsable && (auditWritable || !auditDecides);
        if (now != serving) {
            serving = now;
            why = cause;
            changedAtNanos = System.nanoTime();
            LOG.log(now ? Level.INFO : Level.WARNING, "readiness: {0} ({1})", now ? "SERVING" : "NOT_SERVING", cause);
            publisher.accept(now);
        }
    }
}
