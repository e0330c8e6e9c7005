package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClosedLoopDriverTest {

    @Test
    void synchronousCompletionsLoopWithoutRecursion() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        LatencyRecorder recorder = new LatencyRecorder();
        // 1,000,000 calls completing inside send(): a recursive design would overflow the stack.
        boolean drained = new ClosedLoopDriver((op, l) -> {
            calls.incrementAndGet();
            l.succeeded();
        }, OperationMix.parse("wrap=1,generate-data-key=1"), NanoClock.SYSTEM)
                .run(4, RunLimit.ofCalls(1_000_000), recorder, 5000);
        assertTrue(drained);
        assertEquals(1_000_000, calls.get());
        assertEquals(1_000_000, recorder.snapshot().successes());
    }

    @Test
    void keepsExactlyConcurrencyCallsInFlight() throws InterruptedException {
        Deque<CallSender.CallListener> pending = new ArrayDeque<>();
        int[] maxInFlight = {0};
        CallSender deferred = (op, l) -> {
            synchronized (pending) {
                pending.add(l);
                maxInFlight[0] = Math.max(maxInFlight[0], pending.size());
            }
        };
        LatencyRecorder recorder = new LatencyRecorder();
        ClosedLoopDriver driver = new ClosedLoopDriver(deferred, OperationMix.of(Operation.WRAP), NanoClock.SYSTEM);
        Thread runner = new Thread(() -> {
            try {
                driver.run(8, RunLimit.ofCalls(100), recorder, 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // Complete calls one at a time from this thread, as a server would.
        runner.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        // Let the driver fill its window before completing anything, so the test does not race it.
        while (System.nanoTime() < deadline) {
            synchronized (pending) {
                if (pending.size() == 8) {
                    break;
                }
            }
            Thread.onSpinWait();
        }
        int completed = 0;
        while (completed < 100 && System.nanoTime() < deadline) {
            CallSender.CallListener next;
            synchronized (pending) {
                next = pending.poll();
                if (next != null) {
                    assertTrue(pending.size() < 8);
                }
            }
            if (next == null) {
                Thread.onSpinWait();
                continue;
            }
            next.succeeded();
            completed++;
        }
        runner.join(5000);
        assertEquals(100, completed);
        synchronized (pending) {
            assertEquals(8, maxInFlight[0]);
        }
        assertEquals(100, recorder.snapshot().successes());
    }
}
