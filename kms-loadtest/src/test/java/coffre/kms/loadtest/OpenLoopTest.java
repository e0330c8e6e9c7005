package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class OpenLoopTest {
    private static final long MS = 1_000_000L;

    @Test
    void scheduleSpacesCallsEvenly() {
        OpenLoopSchedule s = new OpenLoopSchedule(1_000, 4);
        assertEquals(1_000, s.intendedStart(0));
        assertEquals(1_000 + 250 * MS, s.intendedStart(1));
        assertEquals(1_000 + 1_000 * MS, s.intendedStart(4));
        assertEquals(0, s.dueBy(999));
        assertEquals(1, s.dueBy(1_000));
        assertEquals(1, s.dueBy(1_000 + 250 * MS - 1));
        assertEquals(2, s.dueBy(1_000 + 250 * MS));
    }

    @Test
    void fractionalIntervalsDoNotDrift() {
        OpenLoopSchedule s = new OpenLoopSchedule(0, 3);
        assertEquals(333_333_333, s.intendedStart(1));
        assertEquals(3_000_000_000L, s.intendedStart(9));
        for (long i = 0; i < 10_000; i += 7) {
            assertEquals(i + 1, s.dueBy(s.intendedStart(i)), "index " + i);
        }
    }

    @Test
    void rateMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, Double.NaN));
    }

    /**
     * 1000 calls/s; every call takes 0.1 ms except call 500, during which the server stalls for
     * 1 s. A closed-loop measurement would see one slow call; callers arriving at 1000/s would
     * have waited for the whole stall: ~1000 calls queued behind it, the first for ~1 s.
     */
    @Test
    void aStallIsChargedToEveryCallThatShouldHaveStartedDuringIt() throws InterruptedException {
        FakeClock clock = new FakeClock(0);
        int[] sent = {0};
        CallSender stallingServer = (op, listener) -> {
            clock.advance(sent[0]++ == 500 ? 1_000 * MS : MS / 10);
            listener.succeeded();
        };
        LatencyRecorder recorder = new LatencyRecorder();
        OpenLoopDriver driver = new OpenLoopDriver(stallingServer, OperationMix.of(Operation.WRAP), clock);
        assertTrue(driver.run(1000, 64, RunLimit.ofCalls(3000), recorder, 1000));

        Histogram h = recorder.snapshot().overall();
        assertEquals(3000, h.getTotalCount());
        assertEquals(1000.0, h.getMaxValue() / 1000.0, 2.0, "the stalled call: 1 s");
        // Calls 501.. were due 1, 2, 3 ... ms after call 500 and are sent 0.1 ms apart once it
        // returns: call 500+k waits 1000 - 0.9 k ms, so ~555 calls wait more than 500 ms.
        long over500ms = h.getCountBetweenValues(500_000, Long.MAX_VALUE);
        assertTrue(over500ms > 540 && over500ms < 570, "calls over 500 ms: " + over500ms);
        long overOneMs = h.getCountBetweenValues(1_000, Long.MAX_VALUE);
        assertTrue(overOneMs > 1000 && overOneMs < 1120, "calls over 1 ms: " + overOneMs);
        assertEquals(0.1, h.getValueAtPercentile(50) / 1000.0, 0.01, "after catching up, calls are fast again");
    }

    @Test
    void runsForTheDurationAtTheRate() throws InterruptedException {
        FakeClock clock = new FakeClock(5 * MS);
        LatencyRecorder recorder = new LatencyRecorder();
        new OpenLoopDriver((op, l) -> l.succeeded(), OperationMix.of(Operation.WRAP), clock)
                .run(200, 10, RunLimit.ofDuration(Duration.ofSeconds(2)), recorder, 1000);
        assertEquals(400, recorder.snapshot().successes());
        assertEquals(5 * MS + TimeUnit.MILLISECONDS.toNanos(1995), clock.nanoTime(), "the last call is due at 1.995 s");
    }

    @Test
    void failuresAreCountedByReason() throws InterruptedException {
        FakeClock clock = new FakeClock(0);
        int[] n = {0};
        LatencyRecorder recorder = new LatencyRecorder();
        new OpenLoopDriver((op, l) -> {
            if (n[0]++ % 4 == 0) {
                l.failed("UNAVAILABLE");
            } else {
                l.succeeded();
            }
        }, OperationMix.of(Operation.UNWRAP), clock).run(100, 10, RunLimit.ofCalls(100), recorder, 1000);
        LatencyRecorder.Snapshot snap = recorder.snapshot();
        assertEquals(75, snap.successes());
        assertEquals(25, snap.errors());
        assertEquals(java.util.Map.of("unwrap:UNAVAILABLE", 25L), snap.errorsByReason());
    }
}
