package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.testing.SoftwareHsm;
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
                + "min_micros, max_micros, events) VALUES (?, ?, ?, ?, ?, ?)");
             PreparedStatement terms = c.prepareStatement(AuditTermIndex.INSERT_SQL)) {
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
                AuditBatch b = AuditBatch.of(events);
                for (AuditBatch.Term t : b.distinctTerms()) {
                    terms.setString(1, String.valueOf(t.kind()));
                    terms.setString(2, AuditTermIndex.value(t.value()));
                    terms.setLong(3, b.minMicros());
                    terms.setLong(4, b.maxMicros());
                    terms.setString(5, node);
                    terms.setLong(6, b.firstSequence());
                    terms.addBatch();
                }
                st.setString(1, node);
                st.setLong(2, b.firstSequence());
                st.setLong(3, b.lastSequence());
                st.setLong(4, b.minMicros());
                st.setLong(5, b.maxMicros());
                st.setBytes(6, b.records());
                st.addBatch();
                if (r % 500 == 499) {
                    st.executeBatch();
                    terms.executeBatch();
                }
            }
            st.executeBatch();
            terms.executeBatch();
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
    void checkpointsArePagedAlongTheirKey() throws SQLException {
        long middle = (long) ROWS * PER_ROW / 2;
        assertBounded(plan(JdbcAuditStore.CHECKPOINT_PAGE_SQL, "n1", middle, 10), 11);
        List<coffre.kms.server.audit.AuditCheckpoint> page = store.checkpoints("n1", middle, 3);
        assertEquals(List.of(middle + 100, middle + 200, middle + 300),
                page.stream().map(coffre.kms.server.audit.AuditCheckpoint::sequence).toList());
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
    void pruneStatementsReadAFewRowsAlongTheirKeys() throws SQLException {
        long middle = (long) ROWS * PER_ROW / 2 + 3;
        // A history of prunes (one anchor row each), so that the planner sees a table worth an index.
        try (Connection c = storage.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_audit_anchor (node_id, seq, hash, "
                    + "pruned_micros, checkpoint_seq, archive_sha256, mac) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (String node : NODES) {
                    for (long seq = 100; seq <= 500_000; seq += 100) {
                        st.setString(1, node);
                        st.setLong(2, seq);
                        st.setString(3, "0".repeat(64));
                        st.setLong(4, seq);
                        st.setLong(5, seq);
                        st.setString(6, "0".repeat(64));
                        st.setString(7, "0".repeat(64));
                        st.addBatch();
                    }
                }
                st.executeBatch();
            }
            c.commit();
            analyze(c);
        }
        assertBounded(plan(AuditPruning.ANCHOR_SQL, "n1"), 2);
        assertBounded(plan(AuditPruning.ROW_AT_SQL, "n1", middle), 2);
        assertBounded(plan(AuditPruning.PRUNE_PAGE_SQL, "n1", middle), 5);
        assertBounded(plan("SELECT first_seq FROM kms_audit_term WHERE " + AuditPruning.TERM_KEY,
                "t", "WRAP", micros(PER_ROW + 1), "n1", (long) PER_ROW + 1), 2);
        assertEquals(middle - 3, store.pruneBoundary("n1", middle), "the end of the row before the one holding it");
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

    private static long micros(long millisAfterStart) {
        return ChainHash.micros(START) + millisAfterStart * 1_000;
    }

    /** A row key in the middle of the log: n1's row starting at the given sequence (event times are START + seq ms). */
    private static AuditQueries.RowKey rowAt(long firstSequence) {
        return new AuditQueries.RowKey(micros(firstSequence), micros(firstSequence + PER_ROW - 1), "n1", firstSequence);
    }

    private void assertPageBounded(AuditQueries.KeyPage page, long most) throws SQLException {
        assertBounded(plan(page.sql(), page.args().toArray()), most);
    }

    @Test
    void aQueryPageWithoutFilterIsAnIndexRangeFromItsPosition() throws SQLException {
        long middle = (long) ROWS * PER_ROW / 2 + 1;
        // Within a query: the next keys after the last row visited, either way.
        for (boolean newest : new boolean[] {false, true}) {
            assertPageBounded(AuditQueries.keyPage(null, List.of(), Long.MIN_VALUE, Long.MAX_VALUE, rowAt(middle),
                    newest), AuditQueries.KEYS_PER_READ + 2);
            AuditBatch.Term node = new AuditBatch.Term(AuditBatch.Term.NODE, "n1");
            assertPageBounded(AuditQueries.keyPage(node, List.of(), Long.MIN_VALUE, Long.MAX_VALUE, rowAt(middle),
                    newest), AuditQueries.KEYS_PER_READ + 2);
        }
        // A query's first keys from a position: at most a row's span of rows before it (here a row every
        // PER_ROW ms per chain), never the log before it.
        long spanRows = NODES.size() * (AuditBatch.MAX_SPAN_MICROS / 1_000 / PER_ROW + 1);
        assertPageBounded(AuditQueries.keyPage(null, List.of(), micros(middle), Long.MAX_VALUE, null, false),
                spanRows + AuditQueries.KEYS_PER_READ + 2);
        assertPageBounded(AuditQueries.keyPage(null, List.of(), Long.MIN_VALUE, micros(middle), null, true),
                AuditQueries.KEYS_PER_READ + 2);
    }

    @Test
    void aFilteredQueryPageIsAnIndexRangeOfItsRarestTerm() throws SQLException {
        long middle = (long) ROWS * PER_ROW / 2 + 1;
        AuditBatch.Term disable = new AuditBatch.Term(AuditBatch.Term.TYPE, "DISABLE_KEY");
        AuditBatch.Term key = new AuditBatch.Term(AuditBatch.Term.KEY, "key-1");
        for (boolean newest : new boolean[] {false, true}) {
            // Every DISABLE_KEY row from the middle on (or back), each also checked for the key on the index.
            assertPageBounded(AuditQueries.keyPage(disable, List.of(key), Long.MIN_VALUE, Long.MAX_VALUE,
                    rowAt(middle), newest), 2 * AuditQueries.KEYS_PER_READ + 2);
            AuditBatch.Term node = new AuditBatch.Term(AuditBatch.Term.NODE, "n2");
            assertPageBounded(AuditQueries.keyPage(node, List.of(key), Long.MIN_VALUE, Long.MAX_VALUE,
                    rowAt(middle), newest), 2 * AuditQueries.KEYS_PER_READ + 2);
        }
        // A bounded probe; H2 reports twice the entries of a derived table (2,001 for the 1,000 read).
        assertPageBounded(AuditQueries.probe(key, Long.MIN_VALUE, Long.MAX_VALUE), 2 * AuditQueries.TERM_PROBE + 1);
    }

    @Test
    void filteredQueriesPageThroughEveryMatchOnce() {
        // One DISABLE_KEY event every 1,000 sequence numbers of each chain; key-(seq % 3).
        List<String> seen = new ArrayList<>();
        java.util.Optional<coffre.kms.server.audit.AuditQuery.Position> after = java.util.Optional.empty();
        while (true) {
            List<ChainedEvent> page = store.query(new coffre.kms.server.audit.AuditQuery(java.util.Optional.empty(),
                    java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.of("key-1"),
                    java.util.Optional.of(AuditEventType.DISABLE_KEY), java.util.Optional.empty(), after, false, 2));
            if (page.isEmpty()) {
                break;
            }
            page.forEach(e -> seen.add(e.node() + "/" + e.sequence()));
            ChainedEvent last = page.get(page.size() - 1);
            after = java.util.Optional.of(new coffre.kms.server.audit.AuditQuery.Position(
                    ChainHash.micros(last.event().time()), last.node(), last.sequence()));
        }
        List<String> expected = new ArrayList<>();
        for (long seq = 1_000; seq <= (long) ROWS * PER_ROW; seq += 1_000) {
            if (seq % 3 == 1) {
                for (String node : NODES) {
                    expected.add(node + "/" + seq);
                }
            }
        }
        assertEquals(expected, seen);
    }

    /** A statement that runs for a minute unless cancelled. */
    private String slowStatement() throws SQLException {
        try (Connection c = storage.dataSource().getConnection()) {
            return c.getMetaData().getDatabaseProductName().startsWith("H2")
                    ? "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 1000000) a, SYSTEM_RANGE(1, 1000000) b WHERE a.X + b.X > 0"
                    : "SELECT COUNT(*) FROM (SELECT pg_sleep(60)) s";
        }
    }

    @Test
    void cancellingTheCallCancelsItsRunningStatement() throws Exception {
        CallBounds bounds = CallBounds.withTimeout(0);
        String slow = slowStatement();
        java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Long> running = worker.submit(() -> {
                try (Connection c = storage.dataSource().getConnection()) {
                    return new AuditStatements(bounds).count(c, slow, List.of());
                }
            });
            Thread.sleep(500); // let it start: a cancel before the statement runs is checked, not sent
            bounds.cancel(ErrorReason.CANCELLED);
            // The statement would run for a minute: it must end now, as the call's cancellation.
            java.util.concurrent.ExecutionException stopped = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> running.get(20, java.util.concurrent.TimeUnit.SECONDS));
            KmsException cause = org.junit.jupiter.api.Assertions.assertInstanceOf(KmsException.class, stopped.getCause());
            assertEquals(ErrorReason.CANCELLED, cause.reason());
        } finally {
            worker.shutdownNow();
        }
    }

    @Test
    void aCallPastItsDeadlineReadsNoMore() throws Exception {
        CallBounds bounds = CallBounds.withTimeout(1);
        Thread.sleep(5);
        AuditQuery all = new AuditQuery(java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty(), false, 10);
        KmsException query = org.junit.jupiter.api.Assertions.assertThrows(KmsException.class, () -> store.query(all, bounds));
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, query.reason());
        AuditVerifier verifier = new AuditVerifier(store, new AuditMacKey(new SoftwareHsm()));
        KmsException verify = org.junit.jupiter.api.Assertions.assertThrows(KmsException.class,
                () -> verifier.verify("n1", bounds));
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, verify.reason());
        // Unbounded, the same calls answer.
        assertEquals(10, store.query(all, CallBounds.NONE).size());
    }
}
