package coffre.kms.loadtest;

/** A clock that only moves when told to, or when someone sleeps on it. */
final class FakeClock implements NanoClock {
    private long now;

    FakeClock(long start) {
        this.now = start;
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized void sleepUntil(long deadline) {
        if (deadline > now) {
            now = deadline;
        }
    }

    synchronized void advance(long nanos) {
        now += nanos;
    }
}
