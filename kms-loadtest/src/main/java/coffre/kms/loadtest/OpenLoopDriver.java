package coffre.kms.loadtest;

import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Open loop: starts calls at a target rate, following an {@link OpenLoopSchedule}, and charges
 * each call from its intended start (coordinated-omission correction). When the generator falls
 * behind — the server stalls, or {@code maxInFlight} calls are already waiting — it sends the
 * overdue calls as soon as it can, and their latency includes the delay.
 */
public final class OpenLoopDriver {
    private final CallSender sender;
    private final OperationMix mix;
    private final NanoClock clock;
    private final LongAdder late = new LongAdder();

    public OpenLoopDriver(CallSender sender, OperationMix mix, NanoClock clock) {
        this.sender = sender;
        this.mix = mix;
        this.clock = clock;
    }

    /**
     * Runs at {@code callsPerSecond} until {@code limit}, then waits for calls in flight (at most
     * {@code drainTimeoutMillis}).
     *
     * @return false if calls were still in flight when the drain timed out
     */
    public boolean run(double callsPerSecond, int maxInFlight, RunLimit limit, LatencyRecorder recorder,
                       long drainTimeoutMillis) throws InterruptedException {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("max in flight must be at least 1, got " + maxInFlight);
        }
        OpenLoopSchedule schedule = new OpenLoopSchedule(clock.nanoTime(), callsPerSecond);
        long deadline = limit.deadline(schedule.startNanos());
        long maxCalls = limit.maxCalls();
        Semaphore slots = new Semaphore(maxInFlight);
        SplittableRandom random = new SplittableRandom();
        for (long i = 0; i < maxCalls; i++) {
            long intended = schedule.intendedStart(i);
            if (intended >= deadline) {
                break;
            }
            clock.sleepUntil(intended);
            if (!slots.tryAcquire()) {
                late.increment();
                slots.acquire();
            }
            Operation op = mix.next(random);
            sender.send(op, new CallSender.CallListener() {
                @Override
                public void succeeded() {
                    recorder.success(op, OpenLoopSchedule.latency(intended, clock.nanoTime()));
                    slots.release();
                }

                @Override
                public void failed(String reason) {
                    recorder.failure(op, reason);
                    slots.release();
                }
            });
        }
        return slots.tryAcquire(maxInFlight, drainTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Calls that had to wait for a free in-flight slot (the generator's own limit, not the server's). */
    public long callsDelayedByMaxInFlight() {
        return late.sum();
    }
}
