package coffre.kms.server.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deep health check over a switchable software HSM and a real embedded store. */
class HealthMonitorTest {
    @TempDir
    Path dir;

    @Test
    void servingOnlyWhileBothTheHsmAndTheStoreWork() {
        SoftwareHsm hsm = new SoftwareHsm();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            HealthMonitor monitor = new HealthMonitor(hsm, storage.keys(), clock, Duration.ofSeconds(30));
            HealthMonitor.Report ok = monitor.check();
            assertTrue(ok.serving(), ok.detail());
            assertTrue(hsm.contains(HealthMonitor.HEALTH_KEY_LABEL), "a dedicated health key, made once");

            assertSame(ok, monitor.report(), "cached within its age");
            hsm.setUnavailable(true);
            clock.advance(Duration.ofSeconds(31));
            HealthMonitor.Report down = monitor.report();
            assertNotSame(ok, down);
            assertFalse(down.serving());
            assertFalse(down.hsmUsable());
            assertTrue(down.storeUsable());
            assertFalse(down.detail().contains("CKR_"), "no HSM codes in the detail: " + down.detail());

            hsm.setUnavailable(false);
            assertTrue(monitor.check().serving(), "recovers by itself");
        }
    }

    @Test
    void aBrokenStoreIsNotServing() {
        Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        HealthMonitor monitor = new HealthMonitor(new SoftwareHsm(), storage.keys(),
                new MutableClock(Instant.EPOCH), Duration.ofSeconds(30));
        assertTrue(monitor.check().serving());
        storage.close();
        HealthMonitor.Report report = monitor.check();
        assertFalse(report.serving());
        assertEquals(false, report.storeUsable());
    }
}
