package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmInfo;
import coffre.kms.server.health.HealthMonitor;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GetHealthStatus from the node's deep check: ACTIVE, DEGRADED, an HSM that failed (500), a check
 * older than a minute (503), the fleet size from the cluster's live nodes, refreshed apart.
 */
class XksHealthCheckTest {
    private static final HsmInfo INFO = new HsmInfo("softhsm2", "/usr/lib/softhsm/libsofthsm2.so", "coffre-test",
            "SoftHSM project", "SoftHSM v2", true, 4);
    @TempDir
    Path dir;

    @Test
    void answersFromTheLastDeepCheck() {
        SoftwareHsm hsm = new SoftwareHsm();
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        AtomicInteger nodes = new AtomicInteger(3);
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            HealthMonitor monitor = new HealthMonitor(hsm, storage.keys(), clock, Duration.ofSeconds(15));
            XksHealthCheck health = new XksHealthCheck(monitor, nodes::get, INFO, "node-a", "Coffre", null, null,
                    Duration.ofSeconds(10), clock);
            XksException none = assertThrows(XksException.class, health::answer);
            assertEquals(XksError.DEPENDENCY_TIMEOUT, none.error(), "no deep check yet");

            monitor.check();
            XksHealthResponse answer = health.answer();
            assertEquals(1, answer.xksProxyFleetSize(), "until the first refresh");
            health.refresh();
            answer = health.answer();
            assertEquals(3, answer.xksProxyFleetSize());
            assertEquals("SoftHSM project", answer.ekmVendor());
            assertTrue(answer.xksProxyModel().startsWith("Coffre XKS proxy "), answer.xksProxyModel());
            XksHealthResponse.EkmFleetDetail ekm = answer.ekmFleetDetails().get(0);
            assertEquals("node-a/coffre-test", ekm.id());
            assertEquals("SoftHSM project SoftHSM v2 (softhsm2 profile, 4 sessions)", ekm.model());
            assertEquals(XksHealthResponse.HealthStatus.ACTIVE, ekm.healthStatus());

            clock.advance(Duration.ofSeconds(61));
            assertEquals(XksError.DEPENDENCY_TIMEOUT, assertThrows(XksException.class, health::answer).error(),
                    "a check older than a minute is not used");

            hsm.setUnavailable(true);
            monitor.check();
            assertEquals(XksError.INTERNAL, assertThrows(XksException.class, health::answer).error());
            hsm.setUnavailable(false);
            nodes.set(-1);
            health.refresh();
            monitor.check();
            assertEquals(1, health.answer().xksProxyFleetSize(), "never below 1");
        }
    }

    @Test
    void aFailedStoreOrASlowHsmIsDegraded() {
        Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        HealthMonitor monitor = new HealthMonitor(new SoftwareHsm(), storage.keys(), clock, Duration.ofSeconds(15));
        XksHealthCheck patient = new XksHealthCheck(monitor, () -> 1, INFO, "n", "Acme", "Acme XKS 9", "Thales",
                Duration.ofSeconds(10), clock);
        XksHealthCheck hurried = new XksHealthCheck(monitor, () -> 1, INFO, "n", "Acme", "Acme XKS 9", "Thales",
                Duration.ofNanos(2), clock);
        monitor.check();
        assertEquals(XksHealthResponse.HealthStatus.ACTIVE, patient.answer().ekmFleetDetails().get(0).healthStatus());
        assertEquals("Acme XKS 9", patient.answer().xksProxyModel());
        assertEquals("Thales", patient.answer().ekmVendor());
        assertEquals(XksHealthResponse.HealthStatus.DEGRADED, hurried.answer().ekmFleetDetails().get(0).healthStatus(),
                "a round trip over half the deadline");
        storage.close();
        monitor.check();
        assertEquals(XksHealthResponse.HealthStatus.DEGRADED, patient.answer().ekmFleetDetails().get(0).healthStatus(),
                "keys and policies are in memory: calls may still be served");
    }
}
