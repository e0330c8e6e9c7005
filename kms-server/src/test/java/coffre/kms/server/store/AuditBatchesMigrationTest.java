package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainReport;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.testing.SoftwareHsm;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Migration V8 moves an audit log stored one row per event (V6) into batch rows, exactly. */
class AuditBatchesMigrationTest {
    @TempDir
    Path dir;

    private static List<ChainedEvent> chain(String node, int count) {
        List<ChainedEvent> events = new ArrayList<>();
        String previous = ChainHash.GENESIS;
        for (long seq = 1; seq <= count; seq++) {
            AuditEvent e = new AuditEvent(Instant.parse("2026-11-28T10:00:00Z").plusMillis(seq * 7), AuditEventType.WRAP,
                    "spiffe://t/é" + seq % 3, "key-" + seq % 5, 1, AuditDecision.ALLOWED, null, "r" + seq, "", "", "", seq);
            ChainedEvent c = ChainHash.chain(previous, node, seq, e);
            previous = c.hash();
            events.add(c);
        }
        return events;
    }

    private static void insertRow(Connection c, ChainedEvent chained, String type) throws SQLException {
        AuditEvent e = chained.event();
        try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_audit_event VALUES "
                + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, chained.node());
            st.setLong(2, chained.sequence());
            st.setLong(3, ChainHash.micros(e.time()));
            st.setString(4, type);
            st.setString(5, e.principal());
            st.setString(6, e.keyId());
            st.setInt(7, e.keyVersion());
            st.setString(8, e.decision().name());
            st.setString(9, e.reasonName());
            st.setString(10, e.requestId());
            st.setString(11, e.target());
            st.setString(12, e.detail());
            st.setString(13, e.contextSha256());
            st.setLong(14, e.latencyMicros());
            st.setString(15, chained.previousHash());
            st.setString(16, chained.hash());
            st.executeUpdate();
        }
    }

    @Test
    void rowsMoveIntoBatchesAsTheyAreAndTheOldTableGoes() throws SQLException {
        Path db = dir.resolve("db");
        String url = "jdbc:h2:file:" + db.toAbsolutePath();
        Flyway.configure().dataSource(url, "coffre", "").locations("classpath:db/migration").target("7").load().migrate();
        List<ChainedEvent> n1 = chain("n1", 2_345);
        List<ChainedEvent> n2 = chain("n2", 3);
        try (Connection c = DriverManager.getConnection(url, "coffre", "")) {
            for (ChainedEvent e : n1) {
                // Event 2,000 was edited in SQL before the upgrade: the move must keep the evidence.
                insertRow(c, e, e.sequence() == 2_000 ? "NOT_A_TYPE" : e.event().type().name());
            }
            for (ChainedEvent e : n2) {
                insertRow(c, e, e.event().type().name());
            }
        }

        try (Storage storage = StoreFactoryAccess.openH2WithoutAuditJournal(db)) {
            JdbcAuditStore store = new JdbcAuditStore(storage.dataSource());
            List<ChainedEvent> moved = store.chain("n1", 0, 5_000);
            assertEquals(n1.size(), moved.size());
            for (int i = 0; i < n1.size(); i++) {
                if (i == 1_999) {
                    assertFalse(moved.get(i).readable(), "the edited event still reads as edited");
                    assertEquals(n1.get(i).hash(), moved.get(i).hash());
                } else {
                    assertEquals(n1.get(i), moved.get(i));
                }
            }
            assertEquals(n2, store.chain("n2", 0, 10));
            assertEquals(List.of("n1", "n2"), store.nodes());
            ChainReport report = new AuditVerifier(store, new AuditMacKey(new SoftwareHsm())).verify("n1");
            assertEquals(2_000, report.firstBad());
            assertEquals(ChainReport.Problem.EDITED, report.problem());
            assertTrue(new AuditVerifier(store, new AuditMacKey(new SoftwareHsm())).verify("n2").valid());
            try (Connection c = storage.dataSource().getConnection(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM kms_audit_batch WHERE node_id = 'n1'")) {
                    rs.next();
                    // V8 moved 1,000 events (7 s) per batch; V9 cut those at each second of event time.
                    assertEquals(17, rs.getInt(1), "rows of at most a second of events");
                }
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM kms_audit_batch WHERE max_micros - min_micros > "
                        + AuditBatch.MAX_SPAN_MICROS)) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), "no row spans more than a second");
                }
                try (ResultSet rs = st.executeQuery("SELECT COUNT(DISTINCT first_seq) FROM kms_audit_term "
                        + "WHERE node_id = 'n1' AND kind = 'k' AND term = 'key-1'")) {
                    rs.next();
                    assertEquals(17, rs.getInt(1), "every row is indexed by the keys of its events");
                }
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                        + "WHERE TABLE_NAME = 'KMS_AUDIT_EVENT'")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), "the per-event table is dropped");
                }
            }
        }
    }
}
