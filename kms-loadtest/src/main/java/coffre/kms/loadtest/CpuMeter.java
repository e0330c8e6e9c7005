package coffre.kms.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * error is well under 1 %); on Linux the system (kernel) part too, from {@code /proc/PID/stat}
 * (field 15, in ticks of 1/100 s, Linux's USER_HZ), to tell the cost of system calls from the
 * process's own. A figure that cannot be read is reported as unknown (null), never as zero.
 */
final class CpuMeter {
    /** Linux's USER_HZ: the unit of /proc/PID/stat's times, 100 on every architecture it runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private final ProcessHandle server;
    private final Duration selfAtStart;
    private final Duration serverAtStart;
    private final Long selfSystemAtStart;
    private final Long serverSystemAtStart;

    private CpuMeter(ProcessHandle server) {
        this.server = server;
        this.selfAtStart = cpu(ProcessHandle.current()).orElse(null);
        this.serverAtStart = server == null ? null : cpu(server).orElse(null);
        this.selfSystemAtStart = systemTicks(ProcessHandle.current());
        this.serverSystemAtStart = server == null ? null : systemTicks(server);
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
                server == null ? null : seconds(serverAtStart, cpu(server)),
                seconds(selfSystemAtStart, systemTicks(ProcessHandle.current())),
                server == null ? null : seconds(serverSystemAtStart, systemTicks(server)));
    }

    private static Double seconds(Duration start, Optional<Duration> end) {
        return start == null || end.isEmpty() ? null : end.get().minus(start).toNanos() / 1e9;
    }

    private static Double seconds(Long startTicks, Long endTicks) {
        return startTicks == null || endTicks == null ? null : (endTicks - startTicks) / TICKS_PER_SECOND;
    }

    private static Optional<Duration> cpu(ProcessHandle process) {
        return process.info().totalCpuDuration();
    }

    private static Long systemTicks(ProcessHandle process) {
        return systemTicks(process.pid());
    }

    /** stime of /proc/PID/stat, or null where there is none (not Linux, no such process) or it cannot be read. */
    static Long systemTicks(long pid) {
        try {
            return systemTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * stime (field 15) of a /proc/PID/stat line: {@code pid (comm) state ppid ...}, where comm may hold
     * spaces and parentheses, so fields are counted from its last ')'.
     */
    static long systemTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[12]);
    }
}
