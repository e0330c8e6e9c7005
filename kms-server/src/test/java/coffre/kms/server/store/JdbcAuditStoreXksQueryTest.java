package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.audit.XksCallRecord;
import coffre.kms.server.domain.ErrorReason;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The XKS filters of audit queries on the embedded store: indexed (AWS principal, key store) or not (request id). */
class JdbcAuditStoreXksQueryTest {
    private static final String ALICE = "arn:aws:iam::123456789012:user/Alice";
    private static final String BOB = "arn:aws:iam::123456789012:role/" + "b".repeat(300);
    @TempDir
    Path dir;
    private Storage storage;
    private JdbcAuditStore store;
    private AuditLog log;
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void writeCalls() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        store = new JdbcAuditStore(storage.dataSource());
        log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock);
        for (int i = 1; i <= 30; i++) {
            boolean eu = i % 3 != 0;
            XksCallRecord call = new XksCallRecord(eu ? "xks-eu" : "xks-us", eu ? "eu-store" : "us-store", "k" + (i % 4),
                    "AKIAI2SFODNN7EXAMPLE", "req-" + i, "Encrypt", i % 2 == 0 ? ALICE : BOB, "arn:aws:kms:x", "ebs", null,
                    null, i % 5 == 0 ? "AccessDeniedException" : null, null);
            boolean denied = i % 5 == 0;
            log.record(new AuditEvent(clock.instant().plusSeconds(i), AuditEventType.XKS_ENCRYPT, call.principal(),
                    "key-a", 1, denied ? AuditDecision.DENIED : AuditDecision.ALLOWED,
                    denied ? ErrorReason.PERMISSION_DENIED : null, call.requestId(), call.target(), call.detail(), "", i))
                    .toCompletableFuture().join();
            log.record(new AuditEvent(clock.instant().plusSeconds(i), AuditEventType.WRAP, "spiffe://t/p", "key-a", 1,
                    AuditDecision.ALLOWED, null, "req-" + i, "xks-eu", "", "", i)).toCompletableFuture().join();
        }
    }

    @AfterEach
    void close() {
        log.close();
        storage.close();
    }

    private List<ChainedEvent> query(String requestId, String arn, String keyStore) {
        return store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), false, 1000, Optional.ofNullable(requestId),
                Optional.ofNullable(arn), Optional.ofNullable(keyStore)));
    }

    @Test
    void xksFiltersFindTheirCallsAndNothingElse() {
        assertEquals(List.of("req-7"), query("req-7", null, null).stream().map(e -> e.event().requestId()).toList(),
                "the gRPC event with the same request id is no XKS call");
        assertEquals(15, query(null, ALICE, null).size());
        assertEquals(15, query(null, BOB, null).size(), "a long ARN is found by its kept form");
        assertEquals(20, query(null, null, "eu-store").size());
        assertEquals(20, query(null, null, "xks-eu").size(), "by id or by name");
        assertEquals(10, query(null, null, "us-store").size());
        assertEquals(5, query(null, BOB, "us-store").size());
        assertEquals(List.of(), query("req-7", ALICE, null));
    }
}
