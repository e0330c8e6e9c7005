package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditAnchor;
import coffre.kms.server.audit.AuditCheckpoint;
import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditRetention;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainReport;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.testing.SoftwareHsm;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Audit retention on a real database, the same tests on each (H2: {@link AuditRetentionStoreTest},
 * PostgreSQL: {@link AuditRetentionStorePostgresIT}): what a prune deletes and keeps, that it is
 * all or nothing, verification from the anchor (and what it reports when the anchor or the events
 * after it are tampered with), and {@link AuditRetention}'s checks of a request.
 *
 * <p>Node n1's chain is written as rows of five events (1-5, 6-10, 11-15, 16-20), with checkpoints
 * at 5, 12 and 20; node n2 has one row, which no prune of n1 touches.
 */
abstract class AuditRetentionStoreContract {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final byte[] ARCHIVE = sha256("the archive");

    private Storage storage;
    private JdbcAuditStore store;
    private AuditMacKey macKey;
    private AuditVerifier verifier;
    private AuditRetention retention;
    private final List<AuditEvent> recorded = new ArrayList<>();
    private final Clock clock = Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC);

    /** Opens the test's database, fresh for each test. */
    abstract Storage open();

    /** After the store is closed: drop what {@link #open()} made, if anything. */
    void dispose() {
    }

    @BeforeEach
    void writeChains() {
        storage = open();
        store = new JdbcAuditStore(storage.dataSource());
        macKey = new AuditMacKey(new SoftwareHsm());
        verifier = new AuditVerifier(store, macKey);
        retention = new AuditRetention(store, verifier, macKey, new AuditSink() {
            @Override
            public CompletionStage<Void> record(AuditEvent event) {
                recorded.add(event);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void checkWritable() {
            }
        }, clock);
        String previous = ChainHash.GENESIS;
        for (int row = 0; row < 4; row++) {
            List<ChainedEvent> events = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                long seq = row * 5L + i;
                ChainedEvent e = ChainHash.chain(previous, "n1", seq, event(seq, row % 2 == 0 ? AuditEventType.WRAP
                        : AuditEventType.UNWRAP, "key-" + row));
                events.add(e);
                previous = e.hash();
                if (seq == 5 || seq == 12 || seq == 20) {
                    checkpoint("n1", seq, e.hash());
                }
            }
            store.append(events);
        }
        ChainedEvent other = ChainHash.chain(ChainHash.GENESIS, "n2", 1, event(1, AuditEventType.WRAP, "key-0"));
        store.append(List.of(other));
        checkpoint("n2", 1, other.hash());
    }

    @AfterEach
    void close() {
        store.close();
        storage.close();
        dispose();
    }

    private static AuditEvent event(long seq, AuditEventType type, String key) {
        return new AuditEvent(T0.plusMillis(seq), type, "spiffe://t/app", key, 1, AuditDecision.ALLOWED, null,
                "r" + seq, "", "", "", seq);
    }

    private void checkpoint(String node, long seq, String hash) {
        Instant at = T0.plusSeconds(seq);
        store.appendCheckpoint(new AuditCheckpoint(node, seq, hash, at,
                HexFormat.of().formatHex(macKey.mac(ChainHash.checkpointBytes(node, seq, hash, at)))));
    }

    /** An anchor at {@code seq} of n1 as {@link AuditRetention} makes it, with its HMAC. */
    private AuditAnchor anchorAt(long seq, long checkpoint) {
        String hash = store.chain("n1", seq - 1, 1).get(0).hash();
        AuditAnchor unsigned = new AuditAnchor("n1", seq, hash, clock.instant(), checkpoint,
                HexFormat.of().formatHex(ARCHIVE), "");
        return unsigned.withMac(HexFormat.of().formatHex(macKey.mac(unsigned.bytes())));
    }

    private List<Long> sequences(String node) {
        return store.chain(node, 0, 1000).stream().map(ChainedEvent::sequence).toList();
    }

    private long count(String sql) throws SQLException {
        try (Connection c = storage.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = storage.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theBoundaryIsTheEndOfTheLastWholeRowAndNeverTheChainsLastRow() {
        assertEquals(0, store.pruneBoundary("n1", 3));
        assertEquals(5, store.pruneBoundary("n1", 5));
        assertEquals(10, store.pruneBoundary("n1", 12));
        assertEquals(15, store.pruneBoundary("n1", 20), "the row holding the last event stays");
        assertEquals(15, store.pruneBoundary("n1", 1_000));
        assertEquals(0, store.pruneBoundary("n2", 1));
        assertEquals(0, store.pruneBoundary("nobody", 10));
    }

    @Test
    void pruneDeletesExactlyTheRowsUpToTheAnchorWithTheirIndexEntriesAndEarlierCheckpoints() throws SQLException {
        long termsOfN2 = count("SELECT COUNT(*) FROM kms_audit_term WHERE node_id = 'n2'");
        AuditAnchor anchor = anchorAt(10, 12);
        store.prune(anchor);

        assertEquals(List.of(11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L), sequences("n1"));
        assertEquals(List.of(1L), sequences("n2"));
        assertEquals(Optional.of(anchor), store.anchor("n1"));
        assertEquals(Optional.empty(), store.anchor("n2"));
        assertEquals(List.of(12L, 20L), store.checkpoints("n1").stream().map(AuditCheckpoint::sequence).toList());
        assertEquals(0, count("SELECT COUNT(*) FROM kms_audit_batch WHERE node_id = 'n1' AND first_seq <= 10"));
        assertEquals(0, count("SELECT COUNT(*) FROM kms_audit_term WHERE node_id = 'n1' AND first_seq <= 10"));
        assertTrue(count("SELECT COUNT(*) FROM kms_audit_term WHERE node_id = 'n1' AND first_seq = 11") > 0);
        assertEquals(termsOfN2, count("SELECT COUNT(*) FROM kms_audit_term WHERE node_id = 'n2'"));
        // Queries no longer find pruned events: key-0 and key-1 were only in rows 1-5 and 6-10 of n1.
        List<ChainedEvent> found = store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("key-1"), Optional.empty(), Optional.of("n1"), Optional.empty(), false, 100));
        assertEquals(List.of(), found);
        assertEquals(5, store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("key-2"), Optional.empty(), Optional.of("n1"), Optional.empty(), false, 100)).size());
    }

    @Test
    void aPruneThatWouldSplitARowOrGoBackChangesNothing() throws SQLException {
        assertThrows(IllegalStateException.class, () -> store.prune(anchorAt(12, 12)));
        assertThrows(IllegalStateException.class, () -> store.prune(anchorAt(20, 20)), "the chain's last row");
        assertEquals(Optional.empty(), store.anchor("n1"));
        assertEquals(20, sequences("n1").size());
        store.prune(anchorAt(10, 12));
        AuditAnchor back = anchorAt(15, 20);
        store.prune(back);
        assertThrows(IllegalStateException.class, () -> store.prune(new AuditAnchor("n1", 15, back.hash(),
                back.prunedAt(), 20, back.archiveSha256(), back.mac())), "already pruned through 15");
        assertEquals(List.of(16L, 17L, 18L, 19L, 20L), sequences("n1"));
        assertEquals(15, store.anchor("n1").orElseThrow().sequence());
        assertEquals(2, count("SELECT COUNT(*) FROM kms_audit_anchor WHERE node_id = 'n1'"), "the history of prunes");
    }

    @Test
    void aPruneIsAllOrNothing() throws SQLException {
        // A row that references batch row 6-10 makes its deletion fail, after the anchor was
        // inserted and row 1-5 deleted in the same transaction.
        sql("CREATE TABLE prune_blocker (node_id VARCHAR(64) NOT NULL, first_seq BIGINT NOT NULL, "
                + "FOREIGN KEY (node_id, first_seq) REFERENCES kms_audit_batch (node_id, first_seq))");
        sql("INSERT INTO prune_blocker VALUES ('n1', 6)");
        long terms = count("SELECT COUNT(*) FROM kms_audit_term");
        assertThrows(RuntimeException.class, () -> store.prune(anchorAt(10, 12)));
        assertEquals(Optional.empty(), store.anchor("n1"));
        assertEquals(20, sequences("n1").size());
        assertEquals(terms, count("SELECT COUNT(*) FROM kms_audit_term"));
        assertEquals(3, store.checkpoints("n1").size());
        assertTrue(verifier.verify("n1").valid());
    }

    @Test
    void theChainVerifiesFromItsAnchorAfterAPrune() {
        store.prune(anchorAt(10, 12));
        ChainReport report = verifier.verify("n1");
        assertTrue(report.valid(), report.detail());
        assertEquals(10, report.eventsChecked());
        assertEquals(2, report.checkpointsChecked());
        assertEquals(20, report.anchoredThrough());
        assertEquals(10, report.start().sequence());
        assertEquals(12, report.start().checkpointSequence());
    }

    @Test
    void aCheckpointAtTheAnchorIsCheckedAgainstIt() {
        store.prune(anchorAt(5, 5));
        ChainReport report = verifier.verify("n1");
        assertTrue(report.valid(), report.detail());
        assertEquals(3, report.checkpointsChecked(), "5 (at the anchor), 12 and 20");
    }

    @Test
    void anEditedAnchorIsReported() throws SQLException {
        store.prune(anchorAt(10, 12));
        sql("UPDATE kms_audit_anchor SET pruned_micros = pruned_micros + 1");
        ChainReport report = verifier.verify("n1");
        assertEquals(ChainReport.Problem.BAD_ANCHOR, report.problem());
        assertEquals(11, report.firstBad());
    }

    @Test
    void anAnchorMovedForwardOverDeletedEventsIsReported() throws SQLException {
        AuditAnchor anchor = anchorAt(10, 12);
        store.prune(anchor);
        String hashOf15 = store.chain("n1", 14, 1).get(0).hash();
        // Someone with database access deletes row 11-15 and moves the anchor past it (no HSM).
        sql("DELETE FROM kms_audit_batch WHERE node_id = 'n1' AND first_seq = 11");
        sql("UPDATE kms_audit_anchor SET seq = 15, checkpoint_seq = 20, hash = '" + hashOf15 + "'");
        ChainReport report = verifier.verify("n1");
        assertEquals(ChainReport.Problem.BAD_ANCHOR, report.problem());
    }

    @Test
    void aMissingFirstEventAfterTheAnchorIsReported() throws SQLException {
        store.prune(anchorAt(10, 12));
        sql("DELETE FROM kms_audit_batch WHERE node_id = 'n1' AND first_seq = 11");
        ChainReport report = verifier.verify("n1");
        assertEquals(ChainReport.Problem.MISSING, report.problem());
        assertEquals(11, report.firstBad());
    }

    @Test
    void aDeletedAnchorShowsTheChainsStartAsMissing() throws SQLException {
        store.prune(anchorAt(10, 12));
        sql("DELETE FROM kms_audit_anchor");
        ChainReport report = verifier.verify("n1");
        assertEquals(ChainReport.Problem.MISSING, report.problem());
        assertEquals(1, report.firstBad());
    }

    @Test
    void retentionPrunesThroughTheLastWholeSealedRowAndRecordsIt() {
        String outcome = retention.prune("n1", 12, ARCHIVE);
        assertTrue(outcome.contains("through 10"), outcome);
        assertEquals(10, store.anchor("n1").orElseThrow().sequence());
        assertEquals(12, store.anchor("n1").orElseThrow().checkpointSequence());
        assertEquals(HexFormat.of().formatHex(ARCHIVE), store.anchor("n1").orElseThrow().archiveSha256());
        assertEquals(1, recorded.size());
        assertEquals(AuditEventType.AUDIT_PRUNED, recorded.get(0).type());
        assertTrue(recorded.get(0).detail().contains("node=n1 through=10"), recorded.get(0).detail());
        assertTrue(verifier.verify("n1").valid());
        // A second prune continues from the anchor.
        assertTrue(retention.prune("n1", 20, ARCHIVE).contains("through 15"));
        assertEquals(List.of(16L, 17L, 18L, 19L, 20L), sequences("n1"));
        assertTrue(verifier.verify("n1").valid());
    }

    @Test
    void badRequestsGetTheirReasonAndChangeNothing() {
        assertEquals(ErrorReason.INVALID_AUDIT_PRUNE, assertThrows(KmsException.class,
                () -> retention.check("n1", 10, new byte[31])).reason());
        assertEquals(ErrorReason.INVALID_AUDIT_PRUNE, assertThrows(KmsException.class,
                () -> retention.check("n1", 0, ARCHIVE)).reason());
        assertEquals(ErrorReason.INVALID_AUDIT_PRUNE, assertThrows(KmsException.class,
                () -> retention.check("", 10, ARCHIVE)).reason());
        assertEquals(ErrorReason.AUDIT_CHAIN_NOT_FOUND, assertThrows(KmsException.class,
                () -> retention.prune("nobody", 10, ARCHIVE)).reason());
        KmsException unsealed = assertThrows(KmsException.class, () -> retention.prune("n1", 21, ARCHIVE));
        assertEquals(ErrorReason.AUDIT_NOT_SEALED, unsealed.reason());
        assertTrue(unsealed.getMessage().contains("last checkpoint is at 20"), unsealed.getMessage());
        assertEquals(ErrorReason.AUDIT_NOT_SEALED, assertThrows(KmsException.class,
                () -> retention.prune("n1", 4, ARCHIVE)).reason(), "nothing whole to prune");
        // Events that exist but no checkpoint covers yet (the newest part of the chain).
        String previous = store.lastEvent("n1").orElseThrow().hash();
        List<ChainedEvent> newest = new ArrayList<>();
        for (long seq = 21; seq <= 25; seq++) {
            ChainedEvent e = ChainHash.chain(previous, "n1", seq, event(seq, AuditEventType.WRAP, "key-9"));
            newest.add(e);
            previous = e.hash();
        }
        store.append(newest);
        assertEquals(ErrorReason.AUDIT_NOT_SEALED, assertThrows(KmsException.class,
                () -> retention.prune("n1", 23, ARCHIVE)).reason(), "unsealed events");
        assertEquals(25, sequences("n1").size());
        assertEquals(Optional.empty(), store.anchor("n1"));
        assertEquals(25, sequences("n1").size());
        assertTrue(recorded.isEmpty());
        retention.prune("n1", 10, ARCHIVE);
        assertEquals(ErrorReason.AUDIT_NOT_SEALED, assertThrows(KmsException.class,
                () -> retention.check("n1", 10, ARCHIVE)).reason(), "already pruned");
    }

    @Test
    void aPruneVerifiesOnlyUpToItsSealAndLeavesALaterProblemVisible() throws SQLException {
        // A forged HMAC on the checkpoint at 20, after the seal (12) of what is pruned (up to 10).
        sql("UPDATE kms_audit_checkpoint SET mac = '" + "0".repeat(64) + "' WHERE node_id = 'n1' AND seq = 20");
        assertEquals(ChainReport.Problem.BAD_CHECKPOINT, verifier.verify("n1").problem());
        assertTrue(retention.prune("n1", 12, ARCHIVE).contains("through 10"));
        ChainReport after = verifier.verify("n1");
        assertEquals(ChainReport.Problem.BAD_CHECKPOINT, after.problem());
        assertEquals(20, after.firstBad());
        assertEquals(10, after.start().sequence());
    }

    @Test
    void aChainThatDoesNotVerifyIsNotPruned() throws SQLException {
        // A forged checkpoint HMAC at 12: the events up to 10 are sealed only by that checkpoint.
        sql("UPDATE kms_audit_checkpoint SET mac = '" + "0".repeat(64) + "' WHERE node_id = 'n1' AND seq = 12");
        KmsException refused = assertThrows(KmsException.class, () -> retention.prune("n1", 10, ARCHIVE));
        assertEquals(ErrorReason.AUDIT_NOT_SEALED, refused.reason());
        assertTrue(refused.getMessage().contains("BAD_CHECKPOINT"), refused.getMessage());
        assertEquals(Optional.empty(), store.anchor("n1"));
        assertEquals(20, sequences("n1").size());
    }
}
