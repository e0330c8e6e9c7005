package coffre.kms.server.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.StoreException;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which failures every edge reports as the store's (to readiness and coffre_store_errors_total). */
class StoreFailuresTest {
    private final AtomicInteger reported = new AtomicInteger();
    private final StoreFailures failures = new StoreFailures(reported::incrementAndGet);

    @Test
    void theStoresOwnFailureAndARefusalForItAreReported() {
        failures.note(new StoreException("down", new SQLException("refused")));
        failures.note(new KmsException(ErrorReason.STORE_UNAVAILABLE, "the store is unavailable"));

        assertEquals(2, reported.get());
    }

    @Test
    void anyOtherFailureIsNot() {
        failures.note(new KmsException(ErrorReason.KEY_NOT_FOUND, "no such key"));
        failures.note(new KmsException(ErrorReason.HSM_UNAVAILABLE, "the HSM is unavailable"));
        failures.note(new IllegalStateException("a bug"));
        StoreFailures.NONE.note(new StoreException("down", new SQLException("refused")));

        assertEquals(0, reported.get());
    }
}
