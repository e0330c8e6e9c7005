package coffre.kms.loadtest;

import java.util.concurrent.locks.LockSupport;

/**
 * Monotonic time and waiting, abstracted so that the schedulers can be tested with a fake clock.
 */
public interface NanoClock {
    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Returns once {@link #nanoTime()} has reached {@code deadline} (at once if already past). */
    void sleepUntil(long deadline) throws InterruptedException;

    /** The real clock: parks for long waits, spins for the last few microseconds. */
    NanoClock SYSTEM = new NanoClock() {
        private static final long SPIN_NANOS = 20_000;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepUntil(long deadline) throws InterruptedException {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (left > SPIN_NANOS) {
                    LockSupport.parkNanos(left - SPIN_NANOS);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    };
}
