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
import coffre.kms.server.testing.StoredAuditChain;
import coffre.kms.v1.audit.AuditChainEncoding;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit chain as stored in the embedded database, and {@link AuditVerifier} finding each kind
 * of tampering done directly in the database (what someone with database access but no HSM could
 * do: {@link StoredAuditChain} rewrites the stored batches).
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

    private interface Tampering {
        void apply(Connection c) throws SQLException;
    }

    /** Changes the stored chain directly in the database, as someone without the HSM could. */
    private void tamper(Tampering tampering) throws SQLException {
        try (Connection c = storage.dataSource().getConnection()) {
            tampering.apply(c);
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
        tamper(c -> StoredAuditChain.edit(c, "n1", 5, f -> new AuditChainEncoding.Fields(f.node(), f.sequence(),
                f.timeMicros(), f.type(), f.principal(), f.keyId(), f.keyVersion(), "ALLOWED", "", f.requestId(),
                f.target(), f.detail(), f.contextSha256(), f.latencyMicros())));
        ChainReport report = verify();
        assertFalse(report.valid());
        assertEquals(5, report.firstBad());
        assertEquals(ChainReport.Problem.EDITED, report.problem());
    }

    @Test
    void anEventEditedIntoNonsenseIsNamed() throws SQLException {
        tamper(c -> StoredAuditChain.edit(c, "n1", 7, f -> new AuditChainEncoding.Fields(f.node(), f.sequence(),
                f.timeMicros(), "NOT_A_TYPE", f.principal(), f.keyId(), f.keyVersion(), f.decision(), f.reason(),
                f.requestId(), f.target(), f.detail(), f.contextSha256(), f.latencyMicros())));
        ChainReport report = verify();
        assertEquals(7, report.firstBad());
        assertEquals(ChainReport.Problem.EDITED, report.problem());
    }

    @Test
    void aDeletedEventIsNamed() throws SQLException {
        tamper(c -> {
            List<AuditRecords.Stored> records = new ArrayList<>(StoredAuditChain.read(c, "n1"));
            records.remove(11);
            StoredAuditChain.rewrite(c, "n1", records);
        });
        ChainReport report = verify();
        assertEquals(12, report.firstBad());
        assertEquals(ChainReport.Problem.MISSING, report.problem());
    }

    @Test
    void reorderedEventsAreNamed() throws SQLException {
        // Events 3 and 4 swap places, each renumbered to its new place.
        tamper(c -> {
            List<AuditRecords.Stored> records = new ArrayList<>(StoredAuditChain.read(c, "n1"));
            AuditRecords.Stored third = records.get(2);
            AuditRecords.Stored fourth = records.get(3);
            records.set(2, new AuditRecords.Stored(StoredAuditChain.withSequence(fourth.fields(), 3),
                    fourth.previousHash(), fourth.hash()));
            records.set(3, new AuditRecords.Stored(StoredAuditChain.withSequence(third.fields(), 4),
                    third.previousHash(), third.hash()));
            StoredAuditChain.rewrite(c, "n1", records);
        });
        ChainReport report = verify();
        assertEquals(3, report.firstBad());
        assertEquals(ChainReport.Problem.BROKEN_LINK, report.problem());
    }

    @Test
    void anInsertedEventIsNamed() throws SQLException {
        // Shift 8..20 up by one (from the top, to keep the key unique) and insert a forged event 8.
        tamper(c -> {
            List<AuditRecords.Stored> records = new ArrayList<>();
            for (AuditRecords.Stored r : StoredAuditChain.read(c, "n1")) {
                long seq = r.fields().sequence();
                if (seq == 8) {
                    AuditRecords.Stored seventh = records.get(6);
                    records.add(new AuditRecords.Stored(StoredAuditChain.withSequence(StoredAuditChain.withPrincipal(
                            seventh.fields(), "spiffe://t/forged"), 8), seventh.previousHash(), seventh.hash()));
                }
                records.add(seq >= 8 ? new AuditRecords.Stored(StoredAuditChain.withSequence(r.fields(), seq + 1),
                        r.previousHash(), r.hash()) : r);
            }
            StoredAuditChain.rewrite(c, "n1", records);
        });
        ChainReport report = verify();
        assertEquals(8, report.firstBad());
        assertEquals(ChainReport.Problem.BROKEN_LINK, report.problem());
    }

    @Test
    void aWholesaleRewriteWithRecomputedHashesIsCaughtByTheCheckpoint() throws SQLException {
        // Rewrite event 12 and recompute every hash from there: only the HSM checkpoint at 15 can tell.
        List<ChainedEvent> chain = store.chain("n1", 0, 100);
        tamper(c -> StoredAuditChain.rewrite(c, "n1", StoredAuditChain.read(c, "n1").subList(0, 11)));
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
        tamper(c -> StoredAuditChain.rewrite(c, "n1", StoredAuditChain.read(c, "n1").subList(0, 13)));
        ChainReport report = verify();
        assertEquals(14, report.firstBad());
        assertEquals(ChainReport.Problem.TRUNCATED, report.problem());
    }
}
