package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit store's statements read a bounded number of rows however long the log is: a log of
 * {@value #ROWS} batch rows per chain (three chains, so that a statement must also stop at its
 * chain's edges), checked through each statement's executed plan ({@link QueryPlans}). The same
 * tests on H2 ({@link JdbcAuditStorePlanTest}) and PostgreSQL ({@link JdbcAuditStorePlanPostgresIT}).
 */
abstract class JdbcAuditStorePlanContract {
    /** Batch rows per chain: far more than any bounded statement may read. */
    static final int ROWS = 5_000;
    /** Events per batch row. */
    static final int PER_ROW = 4;
    static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    static final List<String> NODES = List.of("n0", "n1", "n2");

    Storage storage;
    JdbcAuditStore store;

    /** Opens the test's database, fresh for each test. */
    abstract Storage open();

    @BeforeEach
    void fillALongLog() throws SQLException {
        storage = open();
        try (Connection c = storage.dataSource().getConnection()) {
            c.setAutoCommit(false);
            for (String node : NODES) {
                insertChain(c, node, ROWS);
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_audit_checkpoint (node_id, seq, head_hash, "
                    + "created_micros, mac) VALUES (?, ?, ?, ?, ?)")) {
                for (String node : NODES) {
                    for (long seq = 100; seq <= (long) ROWS * PER_ROW; seq += 100) {
                        st.setString(1, node);
                        st.setLong(2, seq);
                        st.setString(3, "0".repeat(64));
                        st.setLong(4, ChainHash.micros(START) + seq);
                        st.setString(5, "0".repeat(64));
                        st.addBatch();
                    }
                }
                st.executeBatch();
            }
            c.commit();
            analyze(c);
        }
        store = new JdbcAuditStore(storage.dataSource());
    }

    @AfterEach
    void close() {
        storage.close();
    }

    /**
     * Writes a chain of {@code rows} batch rows of {@value #PER_ROW} events each, one event every
     * millisecond, straight into the table (as the indexer would, much faster than through a log).
     */
    static void insertChain(Connection c, String node, int rows) throws SQLException {
        String previous = ChainHash.GENESIS;
        long seq = 0;
        try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_audit_batch (node_id, first_seq, last_seq, "
                + "min_micros, max_micros, events) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int r = 0; r < rows; r++) {
                List<ChainedEvent> events = new ArrayList<>(PER_ROW);
                for (int i = 0; i < PER_ROW; i++) {
                    seq++;
                    ChainedEvent e = ChainHash.chain(previous, node, seq, new AuditEvent(START.plusMillis(seq),
                            seq % 1000 == 0 ? AuditEventType.DISABLE_KEY : AuditEventType.WRAP, "spiffe://t/load",
                            "key-" + (seq % 3), 1, AuditDecision.ALLOWED, null, "r" + seq, "", "", "", 10));
                    events.add(e);
                    previous = e.hash();
                }
                JdbcAuditStore.Batch b = JdbcAuditStore.Batch.of(events);
                st.setString(1, node);
                st.setLong(2, b.firstSequence());
                st.setLong(3, b.lastSequence());
                st.setLong(4, b.minMicros());
                st.setLong(5, b.maxMicros());
                st.setBytes(6, b.records());
                st.addBatch();
                if (r % 500 == 499) {
                    st.executeBatch();
                }
            }
            st.executeBatch();
        }
    }

    /** Fresh statistics, so that PostgreSQL plans for the table's real size. */
    static void analyze(Connection c) throws SQLException {
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE");
        }
    }

    String plan(String sql, Object... args) throws SQLException {
        try (Connection c = storage.dataSource().getConnection()) {
            return QueryPlans.explain(c, sql, List.of(args));
        }
    }

    void assertBounded(String plan, long most) {
        assertFalse(QueryPlans.sorts(plan), "the statement sorts instead of reading an index in order:\n" + plan);
        long read = QueryPlans.rowsRead(plan);
        assertTrue(read <= most, "read " + read + " rows, at most " + most + " expected:\n" + plan);
    }

    @Test
    void theChainsTailIsOneRowWhateverTheLogsLength() throws SQLException {
        for (String node : NODES) {
            assertBounded(plan(JdbcAuditStore.TAIL_SQL, node), 2);
        }
        assertEquals((long) ROWS * PER_ROW, store.lastEvent("n1").orElseThrow().sequence());
        assertTrue(store.lastEvent("n9").isEmpty());
    }

    @Test
    void theLastCheckpointIsOneRow() throws SQLException {
        assertBounded(plan(JdbcAuditStore.LAST_CHECKPOINT_SQL, "n1"), 2);
        assertEquals((long) ROWS * PER_ROW, store.lastCheckpoint("n1").orElseThrow().sequence());
    }

    @Test
    void aChainReadStartsAtItsBatchAndReadsAFewRows() throws SQLException {
        long middle = (long) ROWS * PER_ROW / 2 + 3;
        assertBounded(plan(JdbcAuditStore.CHAIN_START_SQL, "n1", middle), 2);
        assertBounded(plan(JdbcAuditStore.CHAIN_PAGE_SQL, "n1", middle - 3), 5);
        List<ChainedEvent> page = store.chain("n1", middle - 1, 10);
        assertEquals(10, page.size());
        assertEquals(middle, page.get(0).sequence());
        assertEquals(middle + 9, page.get(9).sequence());
        assertEquals("n1", page.get(0).node());
    }

    @Test
    void theNodesAreOneProbeEach() throws SQLException {
        boolean h2;
        try (Connection c = storage.dataSource().getConnection()) {
            h2 = c.getMetaData().getDatabaseProductName().startsWith("H2");
        }
        for (String node : List.of("n0", "n1")) {
            assertBounded(plan(JdbcAuditStore.NEXT_BATCH_NODE_SQL, JdbcAuditStore.nodeBound(node, h2), node), 2);
            assertBounded(plan(JdbcAuditStore.NEXT_CHECKPOINT_NODE_SQL, JdbcAuditStore.nodeBound(node, h2), node), 2);
        }
        assertEquals(NODES, store.nodes());
    }
}
