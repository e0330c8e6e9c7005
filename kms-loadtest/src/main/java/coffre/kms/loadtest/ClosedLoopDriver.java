package coffre.kms.loadtest;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed loop: keeps exactly {@code concurrency} calls in flight; each completion starts the next
 * call. Latency is measured from each call's actual start, so this mode measures the server's
 * response time at a fixed load, not what a caller arriving at a fixed rate would see (use
 * {@link OpenLoopDriver} for that).
 */
public final class ClosedLoopDriver {
    private static final int IDLE = 0;
    private static final int SENDING = 1;
    private static final int DONE_INLINE = 2;

    private final CallSender sender;
    private final OperationMix mix;
    private final NanoClock clock;

    public ClosedLoopDriver(CallSender sender, OperationMix mix, NanoClock clock) {
        this.sender = sender;
        this.mix = mix;
        this.clock = clock;
    }

    /**
     * Runs until {@code limit} and waits for the calls in flight (at most {@code drainTimeout}).
     *
     * @return false if calls were still in flight when the drain timed out
     */
    public boolean run(int concurrency, RunLimit limit, LatencyRecorder recorder, long drainTimeoutMillis)
            throws InterruptedException {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        long start = clock.nanoTime();
        long deadline = limit.deadline(start);
        AtomicLong budget = new AtomicLong(limit.maxCalls());
        CountDownLatch lanesDone = new CountDownLatch(concurrency);
        SplittableRandom seed = new SplittableRandom();
        for (int i = 0; i < concurrency; i++) {
            new Lane(deadline, budget, recorder, lanesDone, seed.split()).loop();
        }
        return lanesDone.await(drainTimeoutMillis + Math.max(0, (deadline == Long.MAX_VALUE ? 0
                : TimeUnit.NANOSECONDS.toMillis(deadline - clock.nanoTime()))), TimeUnit.MILLISECONDS);
    }

    /**
     * One in-flight slot. A sender may complete a call before {@code send} returns (in-process
     * channels, fakes): the state machine turns that into a loop instead of a recursion, whichever
     * thread completes first.
     */
    private final class Lane {
        private final long deadline;
        private final AtomicLong budget;
        private final LatencyRecorder recorder;
        private final CountDownLatch done;
        private final SplittableRandom random;
        private final AtomicInteger state = new AtomicInteger(IDLE);

        Lane(long deadline, AtomicLong budget, LatencyRecorder recorder, CountDownLatch done, SplittableRandom random) {
            this.deadline = deadline;
            this.budget = budget;
            this.recorder = recorder;
            this.done = done;
            this.random = random;
        }

        void loop() {
            while (true) {
                if (clock.nanoTime() >= deadline || budget.getAndDecrement() <= 0) {
                    done.countDown();
                    return;
                }
                Operation op = mix.next(random);
                long started = clock.nanoTime();
                state.set(SENDING);
                sender.send(op, new CallSender.CallListener() {
                    @Override
                    public void succeeded() {
                        recorder.success(op, clock.nanoTime() - started);
                        next();
                    }

                    @Override
                    public void failed(String reason) {
                        recorder.failure(op, reason);
                        next();
                    }
                });
                if (state.compareAndSet(SENDING, IDLE)) {
                    return; // the completion, later, continues the loop
                }
                // completed inline: go round again on this thread
            }
        }

        private void next() {
            if (!state.compareAndSet(SENDING, DONE_INLINE)) {
                loop();
            }
        }
    }
}
