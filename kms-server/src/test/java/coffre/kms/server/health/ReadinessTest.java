package coffre.kms.server.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    private static final HealthMonitor.Report OK = new HealthMonitor.Report(true, true, "ok", Instant.EPOCH);
    private static final HealthMonitor.Report NO_STORE =
            new HealthMonitor.Report(true, false, "store unusable (StoreException)", Instant.EPOCH);

    private final List<Boolean> published = new ArrayList<>();

    @Test
    void notReadyUntilTheFirstDeepCheckPasses() {
        Readiness readiness = new Readiness(true, published::add);
        assertFalse(readiness.serving());
        readiness.auditWritable(true);
        assertFalse(readiness.serving(), "an audit write alone does not make a node ready");
        readiness.deepCheck(NO_STORE);
        assertFalse(readiness.serving());
        readiness.deepCheck(OK);
        assertTrue(readiness.serving());
        assertEquals(List.of(true), published, "told of changes only");
    }

    @Test
    void aFailedStoreCallTurnsItOffUntilADeepCheckReachesTheStore() {
        Readiness readiness = new Readiness(true, published::add);
        readiness.deepCheck(OK);
        readiness.storeFailed();
        assertFalse(readiness.serving());
        readiness.storeFailed();
        readiness.auditWritable(true);
        assertFalse(readiness.serving(), "an audit write does not vouch for the store");
        readiness.deepCheck(OK);
        assertTrue(readiness.serving());
        assertEquals(List.of(true, false, true), published);
    }

    @Test
    void aFailedAuditWriteTurnsItOffUntilAWriteSucceedsWhenFailingClosed() {
        Readiness readiness = new Readiness(true, published::add);
        readiness.deepCheck(OK);
        readiness.auditWritable(false);
        assertFalse(readiness.serving());
        readiness.deepCheck(OK);
        assertFalse(readiness.serving(), "a deep check does not vouch for the audit log");
        readiness.auditWritable(true);
        assertTrue(readiness.serving());
        assertEquals(List.of(true, false, true), published);
    }

    @Test
    void theAuditLogDoesNotDecideWhenFailingOpen() {
        Readiness readiness = new Readiness(false, published::add);
        readiness.deepCheck(OK);
        readiness.auditWritable(false);
        assertTrue(readiness.serving());
        assertEquals(List.of(true), published);
    }
}
