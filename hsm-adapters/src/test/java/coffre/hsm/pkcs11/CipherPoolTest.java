package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.security.Security;
import java.time.Duration;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/** The pool's bounds and deadline, over the JDK's software AES-GCM (no HSM needed for the logic). */
class CipherPoolTest {
    private static final Duration TIMEOUT = Duration.ofMillis(200);

    private static CipherPool pool(int size) {
        return new CipherPool(Security.getProvider("SunJCE"), size, TIMEOUT);
    }

    private static long millis(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aReleasedCipherIsReusedAndADiscardedOneReplaced() {
        CipherPool pool = pool(1);
        Cipher c = pool.borrow();
        pool.release(c, true);
        assertSame(c, pool.borrow(), "reused");
        pool.release(c, false);
        assertEquals(0, pool.idleCount(), "discarded");
        Cipher fresh = pool.borrow();
        assertNotSame(c, fresh);
        pool.release(fresh, true);
    }

    @Test
    void aBorrowWaitsAtMostTheDeadlineThenFailsUnavailable() {
        CipherPool pool = pool(1);
        Cipher held = pool.borrow();
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
        assertFalse(pool.starved(), "a returned cipher ends starvation");
        Cipher again = pool.borrow();
        pool.release(again, true);
    }

    @Test
    void starvationStillServesAFreeCipher() {
        CipherPool pool = pool(2);
        Cipher a = pool.borrow();
        Cipher b = pool.borrow();
        assertThrows(HsmException.class, pool::borrow);
        pool.release(a, true);
        Cipher c = pool.borrow();
        pool.release(c, true);
        pool.release(b, true);
    }

    @Test
    void anInterruptedBorrowerGetsUnavailableAndKeepsItsInterrupt() {
        CipherPool pool = pool(1);
        Cipher held = pool.borrow();
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
