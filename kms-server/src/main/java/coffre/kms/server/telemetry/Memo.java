package coffre.kms.server.telemetry;

import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A value computed from memory at most once per {@code ttl}: the gauges of one scrape (e.g. keys
 * in each state) share one pass over a registry instead of making one each. Thread-safe; the
 * computation runs under this object's lock on the scraping thread, so it must be quick and must
 * not block.
 */
final class Memo<T> implements Supplier<T> {
    private final Supplier<T> compute;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private T value;
    private long computedAt;

    Memo(Supplier<T> compute, long ttlNanos) {
        this(compute, ttlNanos, System::nanoTime);
    }

    Memo(Supplier<T> compute, long ttlNanos, LongSupplier nanoTime) {
        this.compute = Objects.requireNonNull(compute, "compute");
        this.ttlNanos = ttlNanos;
        this.nanoTime = nanoTime;
    }

    @Override
    public synchronized T get() {
        long now = nanoTime.getAsLong();
        if (value == null || now - computedAt >= ttlNanos) {
            value = Objects.requireNonNull(compute.get(), "computed value");
            computedAt = now;
        }
        return value;
    }
}
