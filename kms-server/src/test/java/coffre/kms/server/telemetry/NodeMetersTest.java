package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.ApprovedOperations;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.audit.AuditCheckpointer;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.health.Readiness;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.store.JdbcAuditStore;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.SoftwareHsm;
import coffre.kms.server.testing.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NodeMeters} binds every metric of its part of the contract (docs/metrics.md), under the
 * Prometheus names and types the contract gives, on the Prometheus registry a node serves.
 */
class NodeMetersTest {
    /** The contract's families this class binds, with their Prometheus type (text format 0.0.4: counters with _total). */
    static final Map<String, String> FAMILIES = families(
            "coffre_hsm_up gauge", "coffre_hsm_sessions_in_use gauge", "coffre_hsm_sessions_max gauge",
            "coffre_hsm_reinitialisations_total counter",
            "coffre_audit_queue_depth gauge", "coffre_audit_batch_events histogram",
            "coffre_audit_write_duration_seconds histogram", "coffre_audit_write_failures_total counter",
            "coffre_audit_writable gauge", "coffre_audit_checkpoint_age_seconds gauge",
            "hikaricp_connections_active gauge", "hikaricp_connections_idle gauge",
            "hikaricp_connections_pending gauge", "hikaricp_connections_max gauge",
            "hikaricp_connections_timeout_total counter", "hikaricp_connections_acquire_seconds summary",
            "coffre_store_errors_total counter",
            "coffre_cluster_propagation_lag_seconds histogram", "coffre_cluster_members gauge",
            "coffre_approvals_pending gauge", "coffre_approval_votes_total counter",
            "coffre_lease_soonest_expiry_timestamp_seconds gauge", "coffre_break_glass_allowances_active gauge",
            "coffre_grants_active gauge", "coffre_key_deletions_due gauge", "coffre_keys gauge",
            "coffre_tls_certificate_expiry_timestamp_seconds gauge", "coffre_ready gauge");

    @TempDir
    Path dir;

    private static Map<String, String> families(String... lines) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : lines) {
            String[] parts = line.split(" ");
            out.put(parts[0], parts[1]);
        }
        return out;
    }

    @Test
    void everyFamilyOfTheContractIsServedUnderItsNameAndType() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Clock clock = Clock.systemUTC();
        SoftwareHsm hsm = new SoftwareHsm();
        Path certificate = TestPki.create(dir.resolve("pki"), "node").server("server.pem").certificate();
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            JdbcAuditStore auditStore = new JdbcAuditStore(storage.dataSource());
            AuditLog audit = AuditLog.open(auditStore, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock);
            KeyRegistry keys = new KeyRegistry();
            KeyLifecycle lifecycle = new KeyLifecycle(hsm, storage.keys(), keys, clock);
            BreakGlassAllowances breakGlass = new BreakGlassAllowances();
            QuorumService quorum = QuorumService.open(storage.approvals(),
                    new ApprovedOperations(lifecycle, spec -> "", breakGlass, Duration.ofMinutes(15), clock),
                    Duration.ofHours(1), clock);
            Readiness readiness = new Readiness(true, serving -> { });
            NodeMeters.Parts parts = new NodeMeters.Parts("softhsm2", hsm, audit,
                    new AuditCheckpointer(audit, auditStore, new AuditMacKey(hsm), clock), storage, readiness, keys,
                    new GrantRegistry(storage.grants(), clock, new SecureRandom()), breakGlass, quorum,
                    Map.of("grpc", certificate), clock);
            try (NodeMeters meters = NodeMeters.bind(registry, parts)) {
                meters.refreshNow();
                String scrape = registry.scrape();
                Map<String, String> types = new LinkedHashMap<>();
                Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(scrape);
                while (m.find()) {
                    types.put(m.group(1), m.group(2));
                }
                FAMILIES.forEach((name, type) -> assertEquals(type, types.get(name), name + " in\n" + scrape));
                assertTrue(scrape.contains("coffre_keys{state=\"PENDING_DELETION\"} 0"), scrape);
                assertTrue(scrape.contains("coffre_cluster_members 1"), "a single node counts itself:\n" + scrape);
                assertTrue(scrape.contains("coffre_tls_certificate_expiry_timestamp_seconds{listener=\"grpc\"}"), scrape);
                assertTrue(scrape.contains("coffre_ready 0"), "not ready before the first deep check:\n" + scrape);
            } finally {
                audit.close();
            }
        }
    }
}
