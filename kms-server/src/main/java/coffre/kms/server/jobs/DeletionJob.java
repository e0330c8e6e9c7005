package coffre.kms.server.jobs;

import coffre.kms.server.domain.KeyLifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * Periodically destroys keys whose deletion waiting period is over. Runs on a worker (HSM and
 * store calls block); a run that fails is logged and simply retried at the next tick.
 */
public final class DeletionJob {
    private static final Logger LOG = System.getLogger(DeletionJob.class.getName());

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final KeyLifecycle lifecycle;
    private final Duration interval;

    public DeletionJob(Vertx vertx, WorkerExecutor workers, KeyLifecycle lifecycle, Duration interval) {
        this.vertx = vertx;
        this.workers = workers;
        this.lifecycle = lifecycle;
        this.interval = interval;
    }

    public void start() {
        vertx.setPeriodic(interval.toMillis(), id -> runNow().onFailure(e ->
                LOG.log(Level.WARNING, "key deletion run failed; will retry: {0}", e.toString())));
    }

    /** One run, on the worker pool. */
    public Future<Integer> runNow() {
        return workers.executeBlocking(lifecycle::destroyDueKeys, false);
    }
}
