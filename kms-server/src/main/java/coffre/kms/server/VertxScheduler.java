package coffre.kms.server;

import coffre.kms.server.jobs.DeletionJob;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;

/**
 * Drives the plain-Java {@link DeletionJob} from Vert.x: its ticks from a Vert.x timer, its runs on
 * a worker pool of the server, so the job shares the node's threads and stops with its Vert.x.
 */
final class VertxScheduler implements DeletionJob.Scheduler {
    private final Vertx vertx;
    private final WorkerExecutor workers;

    VertxScheduler(Vertx vertx, WorkerExecutor workers) {
        this.vertx = vertx;
        this.workers = workers;
    }

    @Override
    public void every(Duration interval, Runnable tick) {
        vertx.setPeriodic(interval.toMillis(), id -> tick.run());
    }

    @Override
    public <T> CompletionStage<T> onWorker(Callable<T> work) {
        // Unordered, as the job's runs need no order among themselves or with other admin work.
        return workers.executeBlocking(work, false).toCompletionStage();
    }
}
