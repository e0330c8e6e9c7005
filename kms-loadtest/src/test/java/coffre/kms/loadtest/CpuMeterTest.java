package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CpuMeterTest {

    /** Burns CPU on this thread until the process has used {@code atLeast} more (never by wall time). */
    private static long burn(Duration atLeast) {
        Duration start = ProcessHandle.current().info().totalCpuDuration().orElseThrow();
        long x = 0;
        while (ProcessHandle.current().info().totalCpuDuration().orElseThrow().minus(start).compareTo(atLeast) < 0) {
            for (int i = 0; i < 100_000; i++) {
                x += i * 31L ^ x;
            }
        }
        return x;
    }

    @Test
    void measuresItsOwnProcessAndTheOneNamed() {
        CpuMeter meter = CpuMeter.start(ProcessHandle.current().pid());
        burn(Duration.ofMillis(60));
        Report.Cpu cpu = meter.stop();
        assertNotNull(cpu.loadToolSeconds());
        assertNotNull(cpu.serverSeconds());
        assertTrue(cpu.loadToolSeconds() >= 0.05, cpu.toString());
        assertTrue(cpu.serverSeconds() >= 0.05, cpu.toString());
        assertNotNull(cpu.loadToolSystemSeconds(), "Linux: /proc/PID/stat");
        assertTrue(cpu.loadToolSystemSeconds() >= 0 && cpu.loadToolSystemSeconds() <= cpu.loadToolSeconds(),
                cpu.toString());
    }

    /** The system time read from /proc: a process name with spaces and parentheses does not shift the fields. */
    @Test
    void systemTimeIsReadFromProc() {
        assertEquals(17, CpuMeter.systemTicks("4242 (a (b) c) S 1 4242 4242 0 -1 4194560 90 0 0 0 230 17 0 0 20 0 "
                + "9 0 123 456 789"));
        Long own = CpuMeter.systemTicks(ProcessHandle.current().pid());
        assertNotNull(own);
        assertTrue(own >= 0);
        assertNull(CpuMeter.systemTicks(Long.MAX_VALUE), "no such process");
    }

    @Test
    void withoutAServerOnlyTheLoadToolIsMeasured() {
        Report.Cpu cpu = CpuMeter.start(null).stop();
        assertNotNull(cpu.loadToolSeconds());
        assertNull(cpu.serverSeconds());
    }

    @Test
    void aProcessThatDoesNotRunIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuMeter.start(Long.MAX_VALUE));
        assertEquals("--server-pid: no running process " + Long.MAX_VALUE, e.getMessage());
    }

    @Test
    void microsPerCall() {
        assertEquals(25.0, Report.Cpu.microsPerCall(0.5, 20_000), 1e-9);
        assertNull(Report.Cpu.microsPerCall(null, 20_000));
        assertNull(Report.Cpu.microsPerCall(0.5, 0));
    }
}
