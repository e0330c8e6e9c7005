package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link Memo} computes once per period however many gauges read it, and again after. */
class MemoTest {
    @Test
    void readsWithinThePeriodShareOneComputation() {
        AtomicLong now = new AtomicLong(1_000);
        AtomicInteger computed = new AtomicInteger();
        Memo<Integer> memo = new Memo<>(computed::incrementAndGet, 100, now::get);
        assertEquals(1, memo.get());
        now.addAndGet(99);
        assertEquals(1, memo.get(), "within the period");
        now.addAndGet(1);
        assertEquals(2, memo.get(), "recomputed once the period is over");
        assertEquals(2, computed.get());
    }
}
