package coffre.kms.loadtest;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The result of one measured run: settings, throughput, latency percentiles (overall and per
 * operation) and failures by reason. Immutable; rendered by {@link ReportFormat}.
 *
 * @param settings what was run, in display order (e.g. mode, mix, concurrency or rate, keys)
 * @param seconds measured wall time, from the first call to the last completion
 * @param successes calls that succeeded
 * @param errors calls that failed
 * @param errorsByReason failures by {@code operation:reason}
 * @param overall latency of all successful calls
 * @param byOperation latency per operation (only operations with successes)
 * @param unmeasured calls made before the measured run (envelopes for unwrap, warm-up): the server
 *                   acknowledged them too, so whoever checks its audit log counts them
 * @param cpu the CPU time used during the measured run, or null when not measured
 */
public record Report(Map<String, Object> settings, double seconds, long successes, long errors,
                     Map<String, Long> errorsByReason, Latency overall, Map<Operation, Latency> byOperation,
                     Unmeasured unmeasured, Cpu cpu) {

    /**
     * Calls before the measured run.
     *
     * @param setupSuccesses wraps that made the envelopes for unwrap and rewrap
     * @param warmupSuccesses warm-up calls that succeeded
     * @param warmupErrors warm-up calls that failed
     */
    public record Unmeasured(long setupSuccesses, long warmupSuccesses, long warmupErrors) {
        public static final Unmeasured NONE = new Unmeasured(0, 0, 0);
    }

    /**
     * CPU seconds used during the measured run ({@link CpuMeter}), user and system together, and
     * the system (kernel) part alone.
     *
     * @param loadToolSeconds       the load tool's whole process, or null if unreadable
     * @param serverSeconds         the process of {@code --server-pid}, or null when none was given (or unreadable)
     * @param loadToolSystemSeconds the load tool's system part, or null (not Linux)
     * @param serverSystemSeconds   the server's system part, or null
     */
    public record Cpu(Double loadToolSeconds, Double serverSeconds, Double loadToolSystemSeconds,
                      Double serverSystemSeconds) {
        /** CPU microseconds per successful call, or null. */
        static Double microsPerCall(Double seconds, long calls) {
            return seconds == null || calls == 0 ? null : seconds * 1e6 / calls;
        }
    }

    public Report {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        errorsByReason = Map.copyOf(errorsByReason);
        byOperation = Collections.unmodifiableMap(byOperation.isEmpty()
                ? new EnumMap<>(Operation.class) : new EnumMap<>(byOperation));
    }

    /** Builds a report from a final snapshot, with no call before it. */
    public static Report of(Map<String, Object> settings, double seconds, LatencyRecorder.Snapshot snapshot) {
        return of(settings, seconds, snapshot, Unmeasured.NONE);
    }

    /** Builds a report from a final snapshot and what was called before it. */
    public static Report of(Map<String, Object> settings, double seconds, LatencyRecorder.Snapshot snapshot,
                            Unmeasured unmeasured) {
        return of(settings, seconds, snapshot, unmeasured, null);
    }

    /** As above, with the CPU time used during the run. */
    public static Report of(Map<String, Object> settings, double seconds, LatencyRecorder.Snapshot snapshot,
                            Unmeasured unmeasured, Cpu cpu) {
        Map<Operation, Latency> perOp = new EnumMap<>(Operation.class);
        snapshot.byOperation().forEach((op, h) -> perOp.put(op, Latency.of(h)));
        return new Report(settings, seconds, snapshot.successes(), snapshot.errors(), snapshot.errorsByReason(),
                Latency.of(snapshot.overall()), perOp, unmeasured, cpu);
    }

    /** Every call the server acknowledged: the measured successes and those before them. */
    public long acknowledged() {
        return successes + unmeasured.setupSuccesses() + unmeasured.warmupSuccesses();
    }

    /** Successful calls per second. */
    public double throughput() {
        return seconds > 0 ? successes / seconds : 0;
    }

    /**
     * Latency percentiles in milliseconds.
     */
    public record Latency(long count, double mean, double p50, double p90, double p99, double p999, double max) {
        /** From a histogram of microseconds. */
        public static Latency of(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(micros.getTotalCount(), micros.getMean() / 1000.0,
                    ms(micros, 50), ms(micros, 90), ms(micros, 99), ms(micros, 99.9), micros.getMaxValue() / 1000.0);
        }

        private static double ms(Histogram micros, double percentile) {
            return micros.getValueAtPercentile(percentile) / 1000.0;
        }
    }
}
