package coffre.kms.server.health;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When the deep health check runs: every {@link #HEALTH_INTERVAL} while the node is ready, every
 * {@link #RECHECK_INTERVAL} while it is not (but not sooner than that after readiness went off, so
 * a failure is seen for at least that long), one at a time, on a thread of its own: a check that
 * waits for an unreachable database must not hold a worker that serves calls.
 */
public final class DeepChecks {
    /**
     * How often the deep health check runs while the node is ready. Failed audit writes and store
     * calls turn readiness off at once; this interval bounds only how late a failure that no call
     * has met yet (e.g. an HSM gone bad with no traffic) shows.
     */
    public static final Duration HEALTH_INTERVAL = Duration.ofSeconds(15);
    /** How often it runs while the node is not ready, so that readiness comes back soon after its cause. */
    static final Duration RECHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = System.getLogger(DeepChecks.class.getName());

    private DeepChecks() {
    }

    /** Runs {@code monitor}'s check on {@code vertx}'s timers from now on, telling {@code readiness} each result. */
    public static void schedule(Vertx vertx, HealthMonitor monitor, Readiness readiness) {
        WorkerExecutor checker = vertx.createSharedWorkerExecutor("coffre-health", 1);
        AtomicBoolean running = new AtomicBoolean();
        AtomicLong lastStarted = new AtomicLong(System.nanoTime());
        vertx.setPeriodic(RECHECK_INTERVAL.toMillis() / 4, id -> {
            long now = System.nanoTime();
            boolean due = readiness.serving() ? now - lastStarted.get() >= HEALTH_INTERVAL.toNanos()
                    : now - Math.max(lastStarted.get(), readiness.changedAtNanos()) >= RECHECK_INTERVAL.toNanos();
            if (due && running.compareAndSet(false, true)) {
                lastStarted.set(now);
                checker.executeBlocking(monitor::check, false).onComplete(done -> {
                    running.set(false);
                    if (done.succeeded()) {
                        readiness.deepCheck(done.result());
                    } else {
                        LOG.log(Level.WARNING, "deep health check failed unexpectedly: {0}", done.cause().toString());
                    }
                });
            }
        });
    }
}
