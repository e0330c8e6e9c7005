package coffre.kms.loadtest;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Collects the latency of every successful call, per operation, in HdrHistograms (microseconds,
 * 3 significant digits, auto-resizing), and counts failures by reason.
 *
 * <p>Writers ({@link #success}, {@link #failure}) are wait-free and may run on any thread: they
 * write into HdrHistogram {@link Recorder}s. One reader at a time calls {@link #snapshot()},
 * which moves what was recorded since the last snapshot into cumulative histograms: the progress
 * line and the final report read the same data, with no lock on the call path.
 */
public final class LatencyRecorder {
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Map<Operation, Recorder> recorders = new EnumMap<>(Operation.class);
    private final Map<Operation, Histogram> cumulative = new EnumMap<>(Operation.class);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder errorCount = new LongAdder();
    private final Map<Operation, Histogram> intervals = new EnumMap<>(Operation.class);

    public LatencyRecorder() {
        for (Operation op : Operation.values()) {
            recorders.put(op, new Recorder(SIGNIFICANT_DIGITS));
            cumulative.put(op, new Histogram(SIGNIFICANT_DIGITS));
        }
    }

    /** Records one successful call that took {@code latencyNanos} (from its intended start). */
    public void success(Operation op, long latencyNanos) {
        recorders.get(op).recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(latencyNanos)));
    }

    /** Counts one failed call. Failures are not in the latency histograms. */
    public void failure(Operation op, String reason) {
        errors.computeIfAbsent(op.cliName() + ":" + reason, k -> new LongAdder()).increment();
        errorCount.increment();
    }

    /** Everything recorded so far; also the number of successes since the previous snapshot. */
    public synchronized Snapshot snapshot() {
        long fresh = 0;
        Map<Operation, Histogram> copies = new EnumMap<>(Operation.class);
        Histogram all = new Histogram(SIGNIFICANT_DIGITS);
        for (Operation op : Operation.values()) {
            // Each Recorder takes back only the interval histogram it handed out itself.
            Histogram interval = recorders.get(op).getIntervalHistogram(intervals.get(op));
            intervals.put(op, interval);
            fresh += interval.getTotalCount();
            Histogram total = cumulative.get(op);
            total.add(interval);
            if (total.getTotalCount() > 0) {
                copies.put(op, total.copy());
                all.add(total);
            }
        }
        Map<String, Long> byReason = new TreeMap<>();
        errors.forEach((reason, count) -> byReason.put(reason, count.sum()));
        return new Snapshot(fresh, all, Collections.unmodifiableMap(copies), errorCount.sum(),
                Collections.unmodifiableMap(byReason));
    }

    /**
     * A copy of the recorder's state.
     *
     * @param newSuccesses successes recorded since the previous snapshot
     * @param overall latency of every success so far, all operations together (microseconds)
     * @param byOperation the same per operation (only operations that succeeded at least once)
     * @param errors failures so far
     * @param errorsByReason failures by {@code operation:reason}
     */
    public record Snapshot(long newSuccesses, Histogram overall, Map<Operation, Histogram> byOperation, long errors,
                           Map<String, Long> errorsByReason) {
        public long successes() {
            return overall.getTotalCount();
        }
    }
}
