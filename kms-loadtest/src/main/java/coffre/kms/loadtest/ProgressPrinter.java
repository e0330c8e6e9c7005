package coffre.kms.loadtest;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints one progress line per interval while a run is measured: elapsed time, the rate over the
 * last interval, failures so far, p99 so far and calls in flight. It is the only reader of the
 * {@link LatencyRecorder} during the run (its snapshots also feed the final report).
 */
public final class ProgressPrinter implements AutoCloseable {
    private final LatencyRecorder recorder;
    private final PrintStream out;
    private final NanoClock clock;
    private final ScheduledExecutorService timer;
    private final long start;
    private long lastTime;
    private long lastTotal;

    private ProgressPrinter(LatencyRecorder recorder, PrintStream out, NanoClock clock, long intervalMillis) {
        this.recorder = recorder;
        this.out = out;
        this.clock = clock;
        this.start = clock.nanoTime();
        this.lastTime = start;
        if (intervalMillis > 0) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "loadtest-progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::print, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** Starts printing every {@code intervalMillis} (0: never). */
    public static ProgressPrinter start(LatencyRecorder recorder, PrintStream out, NanoClock clock, long intervalMillis) {
        return new ProgressPrinter(recorder, out, clock, intervalMillis);
    }

    synchronized void print() {
        LatencyRecorder.Snapshot snap = recorder.snapshot();
        long now = clock.nanoTime();
        out.println(line(snap, now));
        out.flush();
    }

    /** One progress line; advances the interval. */
    synchronized String line(LatencyRecorder.Snapshot snap, long now) {
        long total = snap.successes() + snap.errors();
        double seconds = (now - lastTime) / 1e9;
        double rate = seconds > 0 ? (total - lastTotal) / seconds : 0;
        lastTime = now;
        lastTotal = total;
        return String.format(Locale.ROOT, "[%5.1fs] %,9.0f calls/s  ok %,d  errors %,d  p99 so far %.3f ms",
                (now - start) / 1e9, rate, snap.successes(), snap.errors(),
                snap.overall().getValueAtPercentile(99) / 1000.0);
    }

    /** Stops printing. Snapshots taken afterwards see everything. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
