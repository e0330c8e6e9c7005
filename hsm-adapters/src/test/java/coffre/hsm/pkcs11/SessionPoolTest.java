package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pool's bounds and deadline, over numbered stand-in sessions (no HSM needed for the logic). */
class SessionPoolTest {
    private static final Duration TIMEOUT = Duration.ofMillis(200);

    private final AtomicLong opened = new AtomicLong();
    private final List<Long> closed = new ArrayList<>();

    private SessionPool<Long> pool(int size) {
        return new SessionPool<>(opened::incrementAndGet, closed::add, size, TIMEOUT);
    }

    private static long millis(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aReleasedSessionIsReusedAndADiscardedOneClosedAndReplaced() {
        SessionPool<Long> pool = pool(1);
        assertEquals(1, opened.get(), "one session opened at start");
        Long s = pool.borrow();
        pool.release(s, true);
        assertSame(s, pool.borrow(), "reused");
        pool.release(s, false);
        assertEquals(0, pool.idleCount(), "discarded");
        assertEquals(List.of(s), closed, "a discarded session is closed");
        Long fresh = pool.borrow();
        assertNotSame(s, fresh);
        pool.release(fresh, true);
    }

    @Test
    void sessionsInUseCountsEachBorrowUntilItsReleaseWhetherKeptOrDiscarded() {
        SessionPool<Long> pool = pool(3);
        assertEquals(3, pool.size());
        assertEquals(0, pool.inUse());
        Long a = pool.borrow();
        Long b = pool.borrow();
        assertEquals(2, pool.inUse());
        pool.release(a, true);
        assertEquals(1, pool.inUse());
        pool.release(b, false);
        assertEquals(0, pool.inUse());
    }

    @Test
    void closingClosesTheIdleSessionsAndEachBorrowedOneWhenItComesBack() {
        SessionPool<Long> pool = pool(2);
        Long a = pool.borrow();
        Long b = pool.borrow();
        pool.release(a, true);
        pool.close();
        assertEquals(List.of(a), closed, "the idle session");
        pool.release(b, true);
        assertEquals(List.of(a, b), closed, "the borrowed one, once back");
        assertEquals(0, pool.idleCount());
    }

    @Test
    void aSessionThatCannotBeOpenedGivesItsPermitBack() {
        SessionPool<Long> pool = new SessionPool<>(() -> {
            if (opened.incrementAndGet() > 1) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "no session", "CKR_SESSION_COUNT", null);
            }
            return opened.get();
        }, closed::add, 2, TIMEOUT);
        Long first = pool.borrow();
        for (int i = 0; i < 3; i++) {
            assertEquals("no session", assertThrows(HsmException.class, pool::borrow).getMessage());
        }
        assertFalse(pool.starved(), "failed opens are not waits: the permit came back each time");
        pool.release(first, true);
    }

    @Test
    void aBorrowWaitsAtMostTheDeadlineThenFailsUnavailable() {
        SessionPool<Long> pool = pool(1);
        Long held = pool.borrow();
        long[] waited = new long[1];
        HsmException e = assertThrows(HsmException.class, () -> {
            long start = System.nanoTime();
            try {
                pool.borrow();
            } finally {
                waited[0] = (System.nanoTime() - start) / 1_000_000;
            }
        });
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
        assertEquals("no free HSM session within hsm.operationTimeout (PT0.2S): the HSM is not answering or is overloaded",
                e.getMessage());
        assertTrue(waited[0] >= 190 && waited[0] < 2_000, "waited " + waited[0] + " ms");
        assertTrue(pool.starved());
        // Starved: later borrowers that find nothing free fail at once instead of each waiting the deadline.
        long fast = millis(() -> assertThrows(HsmException.class, pool::borrow));
        assertTrue(fast < 100, "failed in " + fast + " ms");
        pool.release(held, true);
        assertFalse(pool.starved(), "a returned session ends starvation");
        Long again = pool.borrow();
        pool.release(again, true);
    }

    @Test
    void starvationStillServesAFreeSession() {
        SessionPool<Long> pool = pool(2);
        Long a = pool.borrow();
        Long b = pool.borrow();
        assertThrows(HsmException.class, pool::borrow);
        pool.release(a, true);
        Long c = pool.borrow();
        pool.release(c, true);
        pool.release(b, true);
    }

    @Test
    void anInterruptedBorrowerGetsUnavailableAndKeepsItsInterrupt() {
        SessionPool<Long> pool = pool(1);
        Long held = pool.borrow();
        Thread.currentThread().interrupt();
        try {
            HsmException e = assertThrows(HsmException.class, pool::borrow);
            assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
            assertTrue(Thread.interrupted(), "interrupt flag restored");
            assertFalse(pool.starved(), "an interrupt is not a starved pool");
        } finally {
            pool.release(held, true);
        }
    }

    @Test
    void sizeMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> pool(0));
    }
}
