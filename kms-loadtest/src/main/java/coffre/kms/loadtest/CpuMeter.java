package coffre.kms.loadtest;

import java.time.Duration;
import java.util.Optional;

/**
 * The CPU time the load tool's own process, and optionally another process (a server on the same
 * machine, {@code --server-pid}), use during the measured run. On a machine whose cores both sides
 * share, calls per second alone cannot say which side a change made cheaper: the CPU per call of
 * each can (docs/performance.md, "XKS vs gRPC").
 *
 * <p>Read through {@link ProcessHandle.Info#totalCpuDuration()} (user + system time of every
 * thread; on Linux from {@code /proc/PID/stat}, in clock ticks of 10 ms: over a run of seconds the
 * error is well under 1 %). A process whose CPU time cannot be read is reported as unknown (null),
 * never as zero.
 */
final class CpuMeter {
    private final ProcessHandle server;
    private final Duration selfAtStart;
    private final Duration serverAtStart;

    private CpuMeter(ProcessHandle server) {
        this.server = server;
        this.selfAtStart = cpu(ProcessHandle.current()).orElse(null);
        this.serverAtStart = server == null ? null : cpu(server).orElse(null);
    }

    /**
     * Starts measuring now.
     *
     * @param serverPid the other process to measure, or null for none
     * @throws IllegalArgumentException if {@code serverPid} names no running process
     */
    static CpuMeter start(Long serverPid) {
        return new CpuMeter(serverPid == null ? null : running(serverPid));
    }

    /**
     * The running process {@code pid}, checked before a run rather than after its warm-up.
     *
     * @throws IllegalArgumentException if it names no running process
     */
    static ProcessHandle running(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElseThrow(() ->
                new IllegalArgumentException("--server-pid: no running process " + pid));
    }

    /** The CPU seconds used since {@link #start}; the server's null when not measured or unreadable. */
    Report.Cpu stop() {
        return new Report.Cpu(seconds(selfAtStart, cpu(ProcessHandle.current())),
                server == null ? null : seconds(serverAtStart, cpu(server)));
    }

    private static Double seconds(Duration start, Optional<Duration> end) {
        return start == null || end.isEmpty() ? null : end.get().minus(start).toNanos() / 1e9;
    }

    private static Optional<Duration> cpu(ProcessHandle process) {
        return process.info().totalCpuDuration();
    }
}
