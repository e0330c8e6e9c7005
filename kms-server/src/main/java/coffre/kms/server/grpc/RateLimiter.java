package coffre.kms.server.grpc;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per second per principal, as token buckets (Bucket4j): a caller may send {@code burst}
 * requests at once and {@code rate} per second sustained; beyond that it gets
 * {@link ErrorReason#RATE_LIMITED} with a retry hint, before any work is done for it. One busy
 * service cannot starve the others of HSM time.
 */
public final class RateLimiter {
    /** Buckets of principals idle this long are dropped, so the map does not grow without bound. */
    private static final int MAX_TRACKED_PRINCIPALS = 100_000;

    private final long rate;
    private final long burst;
    private final TimeMeter time;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * @param rate  sustained requests per second; 0 disables the limit
     * @param burst requests allowed at once; 0 means {@code rate}
     */
    public RateLimiter(long rate, long burst, TimeMeter time) {
        this.rate = rate;
        this.burst = burst == 0 ? rate : burst;
        this.time = time;
    }

    public static RateLimiter system(long rate, long burst) {
        return new RateLimiter(rate, burst, TimeMeter.SYSTEM_NANOTIME);
    }

    public boolean enabled() {
        return rate > 0;
    }

    /** @throws KmsException {@link ErrorReason#RATE_LIMITED} when the caller is over its limit */
    public void acquire(Principal caller) {
        if (rate <= 0) {
            return;
        }
        if (buckets.size() > MAX_TRACKED_PRINCIPALS) {
            buckets.clear();
        }
        Bucket bucket = buckets.computeIfAbsent(caller.name(), name -> Bucket.builder()
                .addLimit(limit -> limit.capacity(burst).refillGreedy(rate, Duration.ofSeconds(1)))
                .withCustomTimePrecision(time)
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long retryAfterMs = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toMillis());
            throw new KmsException(ErrorReason.RATE_LIMITED, "principal " + caller + " is over its limit of "
                    + rate + " requests per second; retry in " + retryAfterMs + " ms",
                    Map.of("retry_after_ms", Long.toString(retryAfterMs), "limit", Long.toString(rate)));
        }
    }
}
