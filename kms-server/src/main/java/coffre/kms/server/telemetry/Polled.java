package coffre.kms.server.telemetry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * Values too slow for a scrape (a store query: live cluster members, pending approvals), read on a
 * thread of their own every {@code interval} and served from memory. Why: the scrape may run on an
 * event loop and must never wait for a database; a gauge a few seconds old is fine for alerts
 * evaluated over minutes. A value is NaN (no sample) until first read and after a failed read, so
 * an outage shows as absent data, not as a stale number.
 */
final class Polled implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Polled.class.getName());

    private record Poll(String what, IntSupplier source, AtomicLong bits) {
        void run() {
            double value;
            try {
                value = source.getAsInt();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "cannot read {0} for the metrics now: {1}", what, e.toString());
                value = Double.NaN;
            }
            bits.set(Double.doubleToLongBits(value));
        }
    }

    private final Duration interval;
    private final BooleanSupplier stopped;
    private final List<Poll> polls = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService thread;

    Polled(Duration interval) {
        this(interval, () -> false);
    }

    /** @param stopped polled before each read: once true, reading stops for good (the registry was closed) */
    Polled(Duration interval, BooleanSupplier stopped) {
        this.interval = interval;
        this.stopped = stopped;
        this.thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "coffre-metrics-poll");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads {@code source} now and every interval after; the returned supplier answers the latest value. */
    DoubleSupplier poll(String what, IntSupplier source) {
        Poll poll = new Poll(what, source, new AtomicLong(Double.doubleToLongBits(Double.NaN)));
        polls.add(poll);
        thread.scheduleWithFixedDelay(() -> {
            if (stopped.getAsBoolean()) {
                thread.shutdown();
            } else {
                poll.run();
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return () -> Double.longBitsToDouble(poll.bits().get());
    }

    /** Reads every value now on the caller's thread (tests, and a final read before a scrape that must be exact). */
    void refreshNow() {
        polls.forEach(Poll::run);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
