package coffre.kms.server.grpc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import io.github.bucket4j.TimeMeter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final AtomicLong nanos = new AtomicLong();
    private final TimeMeter clock = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };
    private final Principal billing = new Principal("spiffe://t/billing");
    private final Principal payroll = new Principal("spiffe://t/payroll");

    @Test
    void burstThenSustainedRatePerPrincipal() {
        RateLimiter limiter = new RateLimiter(10, 20, clock);
        for (int i = 0; i < 20; i++) {
            limiter.acquire(billing);
        }
        KmsException e = assertThrows(KmsException.class, () -> limiter.acquire(billing));
        assertEquals(ErrorReason.RATE_LIMITED, e.reason());
        assertEquals("100", e.metadata().get("retry_after_ms"));
        assertDoesNotThrow(() -> limiter.acquire(payroll), "another principal has its own bucket");
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        assertDoesNotThrow(() -> limiter.acquire(billing), "one token back after 100 ms at 10/s");
        assertThrows(KmsException.class, () -> limiter.acquire(billing));
    }

    @Test
    void zeroRateMeansNoLimit() {
        RateLimiter limiter = new RateLimiter(0, 0, clock);
        for (int i = 0; i < 10_000; i++) {
            limiter.acquire(billing);
        }
        assertTrue(!limiter.enabled());
    }
}
