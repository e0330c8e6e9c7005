package coffre.kms.server.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * The periodic housekeeping: destroys keys whose deletion waiting period is over and closes
 * approval requests past their expiry. Runs on a worker (HSM and
 * store calls block); a run that fails is logged and simply retried at the next tick.
 */
public final class DeletionJob {
    private static final Logger LOG = System.getLogger(DeletionJob.class.getName());

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final java.util.concurrent.Callable<Integer> work;
    private final Duration interval;

    /** @param work one run; returns how many things it closed (keys destroyed, requests expired) */
    public DeletionJob(Vertx vertx, WorkerExecutor workers, java.util.concurrent.Callable<Integer> work, Duration interval) {
        this.vertx = vertx;
        this.workers = workers;
        this.work = work;
        this.interval = interval;
    }

    public void start() {
        vertx.setPeriodic(interval.toMillis(), id -> runNow().onFailure(e ->
                LOG.log(Level.WARNING, "key deletion run failed; will retry: {0}", e.toString())));
    }

    /** One run, on the worker pool. */
    public Future<Integer> runNow() {
        return workers.executeBlocking(work, false);
    }
}
