package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The breaker's state logic, on a hand-driven clock. */
class HsmAvailabilityTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = now::get;
    private final HsmAvailability breaker = new HsmAvailability(Duration.ofSeconds(2), Duration.ofMinutes(1), clock);

    @Test
    void upAtFirstAndRequireUpPasses() {
        assertTrue(breaker.isUp());
        breaker.requireUp();
        assertEquals(0, breaker.snapshot().generation());
    }

    @Test
    void downFailsEveryCallAtOnceWithAGenericMessage() {
        assertTrue(breaker.markDown(0, "device fault CKR_DEVICE_ERROR"));
        HsmException e = assertThrows(HsmException.class, breaker::requireUp);
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
        assertEquals("the HSM is unavailable; it is being re-initialised", e.getMessage(), "no CKR code for callers");
        assertEquals("HSM unavailable since 2026-01-01T00:00:00Z: device fault CKR_DEVICE_ERROR; re-initialising",
                breaker.snapshot().describe());
    }

    @Test
    void onlyTheFirstFailureOfTheCurrentGenerationChangesTheState() {
        assertTrue(breaker.markDown(0, "first"));
        assertFalse(breaker.markDown(0, "second"), "already down");
        assertEquals("first", breaker.snapshot().reason());
        breaker.markUp(1);
        assertFalse(breaker.markDown(0, "late failure of the replaced module"), "a replaced generation cannot trip the new one");
        assertTrue(breaker.isUp());
        assertTrue(breaker.markDown(1, "new generation fails"));
    }

    @Test
    void cheapAttemptsRepeatAtTheInterval() {
        breaker.markDown(0, "gone");
        for (int i = 0; i < 5; i++) {
            assertEquals(Duration.ofSeconds(2), breaker.attemptFailed(false, "C_Initialize failed"));
        }
        assertEquals(5, breaker.snapshot().failedAttempts());
        assertEquals("HSM unavailable since 2026-01-01T00:00:00Z: gone; 5 re-initialisation attempt(s)"
                + " failed (last: C_Initialize failed), next in PT2S", breaker.snapshot().describe());
        assertEquals("gone", breaker.snapshot().reason(), "the cause is kept");
    }

    @Test
    void costlyAttemptsBackOffByDoublingUpToTheCap() {
        breaker.markDown(0, "gone");
        Duration[] expected = {Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16),
                Duration.ofSeconds(32), Duration.ofMinutes(1), Duration.ofMinutes(1)};
        for (Duration d : expected) {
            assertEquals(d, breaker.attemptFailed(true, "no token"));
        }
        assertEquals(Duration.ofSeconds(2), breaker.attemptFailed(false, "cheap"), "cheap attempts never wait longer");
    }

    @Test
    void recoveryResetsTheBackoffAndRecordsTheTime() {
        breaker.markDown(0, "gone");
        breaker.attemptFailed(true, "x");
        breaker.attemptFailed(true, "x");
        now.set(now.get().plusSeconds(30));
        breaker.markUp(1);
        assertTrue(breaker.isUp());
        assertEquals(Instant.parse("2026-01-01T00:00:30Z"), breaker.snapshot().since());
        assertEquals(1, breaker.snapshot().generation());
        breaker.markDown(1, "again");
        assertEquals(Duration.ofSeconds(2), breaker.attemptFailed(true, "x"));
        assertEquals(Instant.parse("2026-01-01T00:00:30Z"), breaker.snapshot().since(), "down since the new failure");
    }

    @Test
    void theCapIsNeverBelowTheInterval() {
        HsmAvailability slow = new HsmAvailability(Duration.ofMinutes(5), Duration.ofMinutes(1), clock);
        slow.markDown(0, "gone");
        assertEquals(Duration.ofMinutes(5), slow.attemptFailed(true, "x"));
        assertEquals(Duration.ofMinutes(5), slow.attemptFailed(true, "x"));
    }

    @Test
    void aFailedAttemptWhileUpChangesNothing() {
        assertEquals(Duration.ofSeconds(2), breaker.attemptFailed(true, "x"));
        assertTrue(breaker.isUp());
        assertEquals(0, breaker.snapshot().failedAttempts());
    }
}
