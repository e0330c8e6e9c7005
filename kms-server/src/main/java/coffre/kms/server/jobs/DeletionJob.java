package coffre.kms.server.jobs;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;

/**
 * The periodic housekeeping: destroys keys whose deletion waiting period is over and closes
 * approval requests past their expiry. Runs on a worker (HSM and store calls block); a run that
 * fails is logged and simply retried at the next tick. When and where it runs is the
 * {@link Scheduler}'s business, supplied by the wiring (a Vert.x timer and worker pool in the server).
 */
public final class DeletionJob {
    private static final Logger LOG = System.getLogger(DeletionJob.class.getName());

    /** What drives the job: a periodic tick, and workers for its blocking runs. */
    public interface Scheduler {
        /** Calls {@code tick} every {@code interval} from now on; {@code tick} must not block. */
        void every(Duration interval, Runnable tick);

        /** Runs {@code work} on a worker (it blocks); completes with its result or failure. */
        <T> CompletionStage<T> onWorker(Callable<T> work);
    }

    private final Scheduler scheduler;
    private final Callable<Integer> work;
    private final Duration interval;

    /** @param work one run; returns how many things it closed (keys destroyed, requests expired) */
    public DeletionJob(Scheduler scheduler, Callable<Integer> work, Duration interval) {
        this.scheduler = scheduler;
        this.work = work;
        this.interval = interval;
    }

    public void start() {
        scheduler.every(interval, () -> runNow().whenComplete((closed, e) -> {
            if (e != null) {
                LOG.log(Level.WARNING, "key deletion run failed; will retry: {0}", e.toString());
            }
        }));
    }

    /** One run, on a worker. */
    public CompletionStage<Integer> runNow() {
        return scheduler.onWorker(work);
    }
}
