package coffre.kms.server.domain;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When a call's work must stop, and what stops it. */
class CallBoundsTest {

    @Test
    void cancellingRunsTheCancelActionsOfTheStepsUnderWayOnly() {
        CallBounds bounds = CallBounds.withTimeout(0);
        AtomicInteger cancelled = new AtomicInteger();
        CallBounds.Registration done = bounds.whileRunning(cancelled::incrementAndGet);
        done.close();
        try (CallBounds.Registration running = bounds.whileRunning(cancelled::incrementAndGet)) {
            bounds.cancel(ErrorReason.CANCELLED);
        }
        assertEquals(1, cancelled.get(), "only the step still running is cancelled");
        KmsException e = assertThrows(KmsException.class, bounds::check);
        assertEquals(ErrorReason.CANCELLED, e.reason());
    }

    @Test
    void aStepStartedAfterTheCancellationIsCancelledAtOnce() {
        CallBounds bounds = CallBounds.withTimeout(0);
        bounds.cancel(ErrorReason.DEADLINE_EXCEEDED);
        AtomicInteger cancelled = new AtomicInteger();
        bounds.whileRunning(cancelled::incrementAndGet).close();
        assertEquals(1, cancelled.get());
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, assertThrows(KmsException.class, bounds::check).reason());
    }

    @Test
    void theFirstReasonStays() {
        CallBounds bounds = CallBounds.withTimeout(0);
        bounds.cancel(ErrorReason.CANCELLED);
        bounds.cancel(ErrorReason.DEADLINE_EXCEEDED);
        assertEquals(ErrorReason.CANCELLED, assertThrows(KmsException.class, bounds::check).reason());
    }

    @Test
    void aPassedDeadlineIsOverWithoutATimer() throws InterruptedException {
        CallBounds bounds = CallBounds.withTimeout(1);
        Thread.sleep(5);
        assertTrue(bounds.over());
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, assertThrows(KmsException.class, bounds::check).reason());
    }

    @Test
    void withoutADeadlineOnlyACancelEndsTheCall() {
        CallBounds bounds = CallBounds.withTimeout(0);
        assertFalse(bounds.over());
        assertEquals(0, bounds.remainingMillis(), "no deadline: no time-out for its statements");
        assertDoesNotThrow(bounds::check);
        assertTrue(CallBounds.withTimeout(60_000).remainingMillis() > 0);
    }

    @Test
    void noneIsNeverOver() {
        CallBounds.NONE.cancel(ErrorReason.CANCELLED);
        assertFalse(CallBounds.NONE.over());
        assertDoesNotThrow(CallBounds.NONE::check);
    }
}
