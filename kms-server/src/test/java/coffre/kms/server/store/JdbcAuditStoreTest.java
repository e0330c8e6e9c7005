package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditCheckpointer;
import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.audit.ChainReport;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.testing.SoftwareHsm;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit chain as stored in the embedded database, and {@link AuditVerifier} finding each kind
 * of tampering done directly in SQL (what someone with database access but no HSM could do).
 */
class JdbcAuditStoreTest {
    private static final int EVENTS = 20;
    @TempDir
    Path dir;
    private Storage storage;
    private JdbcAuditStore store;
    private AuditVerifier verifier;
    private AuditCheckpointer checkpointer;
    private AuditLog log;
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void writeAChain() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        store = new JdbcAuditStore(storage.dataSource());
        AuditMacKey macKey = new AuditMacKey(new SoftwareHsm());
        verifier = new AuditVerifier(store, macKey);
        log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock);
        checkpointer = new AuditCheckpointer(log, store, macKey, clock);
        for (int i = 1; i <= EVENTS; i++) {
            log.record(new AuditEvent(clock.instant().plusSeconds(i), i % 2 == 0 ? AuditEventType.WRAP : AuditEventType.UNWRAP,
                    "spiffe://t/p" + (i % 3), "key-" + (i % 4), 1, i % 5 == 0 ? AuditDecision.DENIED : AuditDecision.ALLOWED,
                    i % 5 == 0 ? ErrorReason.DECRYPTION_FAILED : null, "r" + i, "", "", "", i)).toCompletableFuture().join();
            if (i == 10 || i == 15) {
                assertTrue(checkpointer.checkpoint().isPresent());
            }
        }
    }

    @AfterEach
    void close() {
        log.close();
        storage.close();
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = storage.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    private ChainReport verify() {
        return verifier.verify("n1");
    }

    @Test
    void anUntouchedChainVerifiesAndReadsBackExactly() {
        ChainReport report = verify();
        assertTrue(report.valid(), report.toString());
        assertEquals(EVENTS, report.eventsChecked());
        assertEquals(2, report.checkpointsChecked());
        assertEquals(15, report.anchoredThrough());
        assertEquals(List.of("n1"), store.nodes());
        assertTrue(checkpointer.checkpoint().isEmpty() == false, "head moved past 15: a new checkpoint");
        assertTrue(checkpointer.checkpoint().isEmpty(), "nothing new: no checkpoint");
    }

    @Test
    void queriesFilterAndPage() {
        List<ChainedEvent> wraps = store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(AuditEventType.WRAP), Optional.empty(), Optional.empty(), false, 1000));
        assertEquals(EVENTS / 2, wraps.size());
        List<ChainedEvent> page1 = store.query(new AuditQuery(Optional.of(clock.instant().plusSeconds(3)),
                Optional.of(clock.instant().plusSeconds(12)), Optional.empty(), Optional.of("key-1"), Optional.empty(),
                Optional.empty(), Optional.empty(), false, 1));
        assertEquals(1, page1.size());
        assertEquals(5, page1.get(0).sequence());
        ChainedEvent last = page1.get(0);
        List<ChainedEvent> page2 = store.query(new AuditQuery(Optional.of(clock.instant().plusSeconds(3)),
                Optional.of(clock.instant().plusSeconds(12)), Optional.empty(), Optional.of("key-1"), Optional.empty(),
                Optional.empty(), Optional.of(new AuditQuery.Position(
                        coffre.kms.server.audit.ChainHash.micros(last.event().time()), "n1", last.sequence())), false, 10));
        assertEquals(List.of(9L), page2.stream().map(ChainedEvent::sequence).toList());
        List<ChainedEvent> byPrincipal = store.query(new AuditQuery(Optional.empty(), Optional.empty(),
                Optional.of("spiffe://t/p0"), Optional.empty(), Optional.empty(), Optional.of("n1"), Optional.empty(), false, 1000));
        assertTrue(byPrincipal.stream().allMatch(e -> e.event().principal().equals("spiffe://t/p0")));
        assertEquals(6, byPrincipal.size());
        List<ChainedEvent> newest = store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true, 3));
        assertEquals(List.of(20L, 19L, 18L), newest.stream().map(ChainedEvent::sequence).toList());
    }

    @Test
    void anEditedEventIsNamed() throws SQLException {
        sql("UPDATE kms_audit_event SET decision = 'ALLOWED', reason = '' WHERE seq = 5");
        ChainReport report = verify();
        assertFalse(report.valid());
        assertEquals(5, report.firstBad());
        assertEquals(ChainReport.Problem.EDITED, report.problem());
    }

    @Test
    void anEventEditedIntoNonsenseIsNamed() throws SQLException {
        sql("UPDATE kms_audit_event SET event_type = 'NOT_A_TYPE' WHERE seq = 7");
        ChainReport report = verify();
        assertEquals(7, report.firstBad());
        assertEquals(ChainReport.Problem.EDITED, report.problem());
    }

    @Test
    void aDeletedEventIsNamed() throws SQLException {
        sql("DELETE FROM kms_audit_event WHERE seq = 12");
        ChainReport report = verify();
        assertEquals(12, report.firstBad());
        assertEquals(ChainReport.Problem.MISSING, report.problem());
    }

    @Test
    void reorderedEventsAreNamed() throws SQLException {
        sql("UPDATE kms_audit_event SET seq = -1 WHERE seq = 3");
        sql("UPDATE kms_audit_event SET seq = 3 WHERE seq = 4");
        sql("UPDATE kms_audit_event SET seq = 4 WHERE seq = -1");
        ChainReport report = verify();
        assertEquals(3, report.firstBad());
        assertEquals(ChainReport.Problem.BROKEN_LINK, report.problem());
    }

    @Test
    void anInsertedEventIsNamed() throws SQLException {
        // Shift 8..20 up by one (from the top, to keep the key unique) and insert a forged event 8.
        for (int seq = EVENTS; seq >= 8; seq--) {
            sql("UPDATE kms_audit_event SET seq = " + (seq + 1) + " WHERE seq = " + seq);
        }
        sql("INSERT INTO kms_audit_event SELECT node_id, 8, event_micros, event_type, 'spiffe://t/forged', key_id, "
                + "key_version, decision, reason, request_id, target, detail, context_sha256, latency_micros, prev_hash, hash "
                + "FROM kms_audit_event WHERE seq = 7");
        ChainReport report = verify();
        assertEquals(8, report.firstBad());
        assertEquals(ChainReport.Problem.BROKEN_LINK, report.problem());
    }

    @Test
    void aWholesaleRewriteWithRecomputedHashesIsCaughtByTheCheckpoint() throws SQLException {
        // Rewrite event 12 and recompute every hash from there: only the HSM checkpoint at 15 can tell.
        List<ChainedEvent> chain = store.chain("n1", 0, 100);
        sql("DELETE FROM kms_audit_event WHERE seq >= 12");
        String previous = chain.get(10).hash();
        List<ChainedEvent> forged = new java.util.ArrayList<>();
        for (ChainedEvent e : chain.subList(11, chain.size())) {
            AuditEvent content = e.sequence() == 12 ? new AuditEvent(e.event().time(), e.event().type(), "spiffe://t/innocent",
                    e.event().keyId(), e.event().keyVersion(), e.event().decision(), e.event().reason(),
                    e.event().requestId(), "", "", "", 1) : e.event();
            ChainedEvent rechained = coffre.kms.server.audit.ChainHash.chain(previous, "n1", e.sequence(), content);
            forged.add(rechained);
            previous = rechained.hash();
        }
        store.append(forged);
        ChainReport report = verify();
        assertEquals(ChainReport.Problem.REWRITTEN, report.problem());
        assertEquals(11, report.firstBad(), "the first event after the last good checkpoint (10)");
    }

    @Test
    void aForgedCheckpointIsNamed() throws SQLException {
        sql("UPDATE kms_audit_checkpoint SET mac = '" + "00".repeat(32) + "' WHERE seq = 15");
        ChainReport report = verify();
        assertEquals(15, report.firstBad());
        assertEquals(ChainReport.Problem.BAD_CHECKPOINT, report.problem());
    }

    @Test
    void aTruncatedChainIsNamed() throws SQLException {
        sql("DELETE FROM kms_audit_event WHERE seq >= 14");
        ChainReport report = verify();
        assertEquals(14, report.firstBad());
        assertEquals(ChainReport.Problem.TRUNCATED, report.problem());
    }
}
