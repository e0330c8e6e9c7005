package coffre.kms.server.store;

import coffre.kms.server.audit.AuditAnchor;
import coffre.kms.server.audit.AuditCheckpoint;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditStore;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.CallBounds;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@link AuditStore} over JDBC: table {@code kms_audit_batch} (migration V8), one row per run
 * of consecutive events of a chain, holding them as {@link AuditRecords} with their sequence range
 * and time range; and {@code kms_audit_checkpoint} (V6). Reads decode the batches.
 *
 * <p>Durability of an append, by store:
 * <ul>
 *   <li>PostgreSQL: one batch row per append, whose commit waits for the WAL flush.</li>
 *   <li>The embedded H2 file, with a journal (what the server uses): see {@link AuditIndexer}.
 *       Reads first write what is pending, so they see every acknowledged event.</li>
 *   <li>H2 without a journal: the batch row, then {@code CHECKPOINT SYNC}.</li>
 * </ul>
 *
 * <p>Queries are {@link AuditQueries}'; rows are built by {@link AuditBatch} and indexed by
 * {@link AuditTermIndex}.
 */
public final class JdbcAuditStore implements AuditStore, AutoCloseable {
    /** Batch rows read per statement (each holds up to {@value AuditBatch#ROW_EVENTS} events). */
    static final int ROWS_PER_READ = 4;

    /*
     * Statements that must read a bounded number of rows however long the log is (the start-up
     * ones run before the node serves). H2 walks an index in order, forwards or backwards, only
     * when ORDER BY names the index's leading columns too, even one fixed by "=": with "ORDER BY
     * first_seq DESC" alone it read every batch row of the node and sorted them, which exhausted
     * the heap at start once the log held a few hundred MB. Package-private so that the query-plan
     * tests check these very statements.
     */
    /** The node's last batch row: one row, backwards on the primary key (node_id, first_seq). */
    static final String TAIL_SQL = "SELECT first_seq, events FROM kms_audit_batch WHERE node_id = ? "
            + "ORDER BY node_id DESC, first_seq DESC LIMIT 1";
    /** The node's last checkpoint: one row, backwards on the primary key (node_id, seq). */
    static final String LAST_CHECKPOINT_SQL = "SELECT node_id, seq, head_hash, created_micros, mac "
            + "FROM kms_audit_checkpoint WHERE node_id = ? ORDER BY node_id DESC, seq DESC LIMIT 1";
    /** The next checkpoints of a chain after a sequence, along the primary key (node_id, seq). */
    static final String CHECKPOINT_PAGE_SQL = "SELECT node_id, seq, head_hash, created_micros, mac "
            + "FROM kms_audit_checkpoint WHERE node_id = ? AND seq > ? ORDER BY node_id, seq LIMIT ?";
    /** Where a chain read starts: the batch holding a given sequence (the last one starting at or before it). */
    static final String CHAIN_START_SQL = "SELECT first_seq FROM kms_audit_batch WHERE node_id = ? AND first_seq <= ? "
            + "ORDER BY node_id DESC, first_seq DESC LIMIT 1";
    /** The next few batch rows of a chain, from a first sequence on. */
    static final String CHAIN_PAGE_SQL = "SELECT node_id, first_seq, min_micros, max_micros, events FROM kms_audit_batch "
            + "WHERE node_id = ? AND first_seq >= ? ORDER BY node_id, first_seq LIMIT " + ROWS_PER_READ;
    /**
     * The first node at or after a bound ({@link #nodeBound}), in each table. H2 seeks an index only
     * to an inclusive bound and then skips the rows equal to a strict one, one by one (all of the
     * previous node's rows), so on H2 the bound is the smallest string above the previous node.
     */
    static final String NEXT_BATCH_NODE_SQL = "SELECT node_id FROM kms_audit_batch WHERE node_id >= ? "
            + "AND node_id > ? ORDER BY node_id LIMIT 1";
    static final String NEXT_CHECKPOINT_NODE_SQL = "SELECT node_id FROM kms_audit_checkpoint WHERE node_id >= ? "
            + "AND node_id > ? ORDER BY node_id LIMIT 1";

    private final Transactions transactions;
    private final boolean h2;
    /** The embedded store's journal and indexer; null without a journal. */
    private final AuditIndexer indexer;

    /** Over a data source whose schema {@link Storage} has already migrated; does not own it. No journal. */
    public JdbcAuditStore(DataSource dataSource) {
        this(dataSource, null);
    }

    /**
     * With a journal at {@code journalFile}, and its spare beside it ({@code <journalFile>-2}): the
     * embedded store. What they hold beyond the database is written to the database now.
     */
    public JdbcAuditStore(DataSource dataSource, Path journalFile) {
        this(dataSource, journalFile, AuditIndexer.SYNC_INTERVAL_MILLIS);
    }

    /** As above, swapping the journals every {@code syncIntervalMillis} (tests). */
    JdbcAuditStore(DataSource dataSource, Path journalFile, long syncIntervalMillis) {
        this.transactions = new Transactions(dataSource, "audit store");
        this.h2 = transactions.run(connection -> connection.getMetaData().getDatabaseProductName().startsWith("H2"));
        this.indexer = journalFile == null ? null : new AuditIndexer(journalFile, syncIntervalMillis,
                new AuditIndexer.Database() {
                    @Override
                    public long lastSequence(String node) {
                        return lastEventInDatabase(node).map(ChainedEvent::sequence).orElse(0L);
                    }

                    @Override
                    public void insert(List<AuditBatch> batches) {
                        JdbcAuditStore.this.insert(batches);
                    }

                    @Override
                    public void sync() {
                        JdbcAuditStore.this.sync();
                    }
                });
    }

    private void sync() {
        if (h2) {
            transactions.run(connection -> {
                try (Statement st = connection.createStatement()) {
                    st.execute("CHECKPOINT SYNC");
                }
                return null;
            });
        }
    }

    private Optional<ChainedEvent> lastEventInDatabase(String node) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(TAIL_SQL)) {
                st.setString(1, node);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    List<ChainedEvent> events = AuditRecords.chained(AuditRecords.read(rs.getBytes(2)), node, rs.getLong(1));
                    return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1));
                }
            }
        });
    }

    @Override
    public Optional<ChainedEvent> lastEvent(String node) {
        catchUp();
        return lastEventInDatabase(node);
    }

    @Override
    public void append(List<ChainedEvent> events) {
        if (!events.isEmpty()) {
            append(AuditBatch.of(events));
        }
    }

    @Override
    public void append(ChainHash.Chained chained) {
        append(AuditBatch.of(chained));
    }

    private void append(AuditBatch batch) {
        if (indexer != null) {
            indexer.append(batch);
            return;
        }
        insert(List.of(batch));
        sync();
    }

    /** Before a read: the database holds every acknowledged event. */
    private void catchUp() {
        if (indexer != null) {
            indexer.catchUp();
        }
    }

    /** Writes what is pending, syncs the database, empties the journal and stops the indexer. */
    @Override
    public void close() {
        if (indexer != null) {
            indexer.close();
        }
    }

    /** Inserts {@code batches} as rows (cut to {@link AuditBatch#rows}' limits), each indexed by its terms. */
    private void insert(List<AuditBatch> batches) {
        List<AuditBatch> rows = AuditBatch.rows(batches);
        transactions.run(connection -> {
            for (AuditBatch row : rows) {
                insertBatch(connection, row);
                AuditTermIndex.insert(connection, row.node(), row.firstSequence(), row.minMicros(), row.maxMicros(),
                        row.distinctTerms());
            }
            return null;
        });
    }

    /** Inserts one batch row (also used by {@link AuditBatchesMigration}). */
    static void insertBatch(Connection connection, AuditBatch batch) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("INSERT INTO kms_audit_batch (node_id, first_seq, "
                + "last_seq, min_micros, max_micros, events) VALUES (?, ?, ?, ?, ?, ?)")) {
            st.setString(1, batch.node());
            st.setLong(2, batch.firstSequence());
            st.setLong(3, batch.lastSequence());
            st.setLong(4, batch.minMicros());
            st.setLong(5, batch.maxMicros());
            st.setBytes(6, batch.records());
            st.executeUpdate();
        }
    }

    @Override
    public void appendCheckpoint(AuditCheckpoint checkpoint) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(
                    "INSERT INTO kms_audit_checkpoint (node_id, seq, head_hash, created_micros, mac) VALUES (?, ?, ?, ?, ?)")) {
                st.setString(1, checkpoint.node());
                st.setLong(2, checkpoint.sequence());
                st.setString(3, checkpoint.headHash());
                st.setLong(4, ChainHash.micros(checkpoint.time()));
                st.setString(5, checkpoint.mac());
                st.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<AuditCheckpoint> lastCheckpoint(String node) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(LAST_CHECKPOINT_SQL)) {
                st.setString(1, node);
                List<AuditCheckpoint> found = checkpoints(st);
                return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
            }
        });
    }

    /**
     * The events of {@code node}'s batches in stored order, from the batch holding the event after
     * {@code afterSequence}, a few rows per statement.
     */
    @Override
    public List<ChainedEvent> chain(String node, long afterSequence, int limit) {
        return chain(node, afterSequence, limit, CallBounds.NONE);
    }

    /** As {@link #chain(String, long, int)}, each statement bounded by {@code bounds}. */
    @Override
    public List<ChainedEvent> chain(String node, long afterSequence, int limit, CallBounds bounds) {
        catchUp();
        AuditStatements statements = new AuditStatements(bounds);
        List<ChainedEvent> events = new ArrayList<>();
        // The batch holding the event after afterSequence: one row read, found through the primary key.
        long fromFirst = transactions.run(connection -> {
            try (PreparedStatement st = statements.prepare(connection, CHAIN_START_SQL)) {
                st.setString(1, node);
                st.setLong(2, afterSequence + 1);
                try (ResultSet rs = statements.execute(st)) {
                    return rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
                }
            }
        });
        while (events.size() < limit) {
            long rowsFrom = fromFirst;
            List<Row> rows = transactions.run(connection -> {
                try (PreparedStatement st = statements.prepare(connection, CHAIN_PAGE_SQL)) {
                    st.setString(1, node);
                    st.setLong(2, rowsFrom);
                    return rows(statements.execute(st));
                }
            });
            for (Row row : rows) {
                for (ChainedEvent e : AuditRecords.chained(AuditRecords.read(row.records()), node, row.firstSequence())) {
                    if (e.sequence() > afterSequence && events.size() < limit) {
                        events.add(e);
                    }
                }
                fromFirst = row.firstSequence() + 1;
            }
            if (rows.size() < ROWS_PER_READ) {
                break;
            }
        }
        return events;
    }

    @Override
    public List<AuditCheckpoint> checkpoints(String node, long afterSequence, int limit) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(CHECKPOINT_PAGE_SQL)) {
                st.setString(1, node);
                st.setLong(2, afterSequence);
                st.setInt(3, limit);
                return checkpoints(st);
            }
        });
    }

    @Override
    public List<AuditCheckpoint> checkpoints(String node) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT node_id, seq, head_hash, created_micros, mac"
                    + " FROM kms_audit_checkpoint WHERE node_id = ? ORDER BY node_id, seq")) {
                st.setString(1, node);
                return checkpoints(st);
            }
        });
    }

    @Override
    public Optional<AuditAnchor> anchor(String node) {
        return transactions.run(connection -> AuditPruning.anchor(connection, node));
    }

    @Override
    public long pruneBoundary(String node, long through) {
        catchUp();
        return transactions.run(connection -> AuditPruning.boundary(connection, node, through));
    }

    @Override
    public void prune(AuditAnchor anchor) {
        catchUp();
        transactions.run(connection -> {
            AuditPruning.prune(connection, anchor);
            return null;
        });
    }

    /**
     * The inclusive lower bound of the nodes after {@code node}: on H2 the smallest string above it
     * (its index seeks to that at once); PostgreSQL, whose text cannot hold NUL, seeks past a strict
     * bound by itself and gets the node itself.
     */
    static String nodeBound(String node, boolean h2) {
        return h2 ? node + '\0' : node;
    }

    /**
     * The distinct nodes of both tables, one index probe per node (a loose index scan): the tables
     * hold millions of rows for a handful of nodes, and {@code SELECT DISTINCT} reads every row.
     */
    @Override
    public List<String> nodes() {
        catchUp();
        return transactions.run(connection -> {
            java.util.SortedSet<String> nodes = new java.util.TreeSet<>();
            for (String sql : List.of(NEXT_BATCH_NODE_SQL, NEXT_CHECKPOINT_NODE_SQL)) {
                try (PreparedStatement st = connection.prepareStatement(sql)) {
                    String after = "";
                    while (true) {
                        st.setString(1, nodeBound(after, h2));
                        st.setString(2, after);
                        try (ResultSet rs = st.executeQuery()) {
                            if (!rs.next()) {
                                break;
                            }
                            after = rs.getString(1);
                            nodes.add(after);
                        }
                    }
                }
            }
            return List.copyOf(nodes);
        });
    }

    /** See {@link AuditQueries}: each page an index range from its position. */
    @Override
    public List<ChainedEvent> query(AuditQuery query) {
        return query(query, CallBounds.NONE);
    }

    /** As {@link #query(AuditQuery)}, each statement bounded by {@code bounds}. */
    @Override
    public List<ChainedEvent> query(AuditQuery query, CallBounds bounds) {
        catchUp();
        AuditQueries queries = new AuditQueries(new AuditStatements(bounds));
        return transactions.run(connection -> queries.query(connection, query));
    }

    /** One batch row as read. */
    private record Row(String node, long firstSequence, long minMicros, long maxMicros, byte[] records) {
    }

    private static List<Row> rows(ResultSet result) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = result) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getBytes(5)));
            }
        }
        return rows;
    }

    private static List<AuditCheckpoint> checkpoints(PreparedStatement st) throws SQLException {
        List<AuditCheckpoint> found = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                found.add(new AuditCheckpoint(rs.getString("node_id"), rs.getLong("seq"), rs.getString("head_hash"),
                        ChainHash.fromMicros(rs.getLong("created_micros")), rs.getString("mac")));
            }
        }
        return found;
    }
}
