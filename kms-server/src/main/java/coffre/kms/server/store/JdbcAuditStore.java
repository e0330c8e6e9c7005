package coffre.kms.server.store;

import coffre.kms.server.audit.AuditCheckpoint;
import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditStore;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.Store;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * The {@link AuditStore} over JDBC (tables {@code kms_audit_event} and {@code kms_audit_checkpoint},
 * migration V6).
 *
 * <p>Durability of an append, by store:
 * <ul>
 *   <li>PostgreSQL: one transaction of batched inserts; its commit waits for the WAL flush.</li>
 *   <li>The embedded H2 file, with a journal (what the server uses): the batch is appended to an
 *       {@link AuditJournal} and fsynced — one small write — and the database is filled from memory
 *       behind it every {@value #INDEX_INTERVAL_MILLIS} ms; the database is synced and the journal
 *       emptied every {@value #SYNC_INTERVAL_MILLIS} ms (or past {@value #JOURNAL_SYNC_BYTES} bytes). At
 *       start, whatever the journal holds beyond the database is written to it. Reads first write
 *       what is pending, so they see every acknowledged event.</li>
 *   <li>H2 without a journal: the batch transaction, then {@code CHECKPOINT SYNC}.</li>
 * </ul>
 */
public final class JdbcAuditStore implements AuditStore, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JdbcAuditStore.class.getName());
    static final long INDEX_INTERVAL_MILLIS = 100;
    static final long SYNC_INTERVAL_MILLIS = 10_000;
    static final long JOURNAL_SYNC_BYTES = 8L << 20;
    /**
     * Most journaled events waiting for the database (memory bound while it is unusable): ~100 MiB
     * of heap, ten seconds of the fastest measured load; the default heap is 256 MiB.
     */
    static final int MAX_PENDING = 100_000;
    private static final String COLUMNS = "node_id, seq, event_micros, event_type, principal, key_id, key_version, "
            + "decision, reason, request_id, target, detail, context_sha256, latency_micros, prev_hash, hash";

    private final Transactions transactions;
    private final boolean h2;
    private final AuditJournal journal;
    private final ScheduledExecutorService indexer;
    /** Guards {@link #pending} and the journal; never held while writing the database. */
    private final Object journalLock = new Object();
    /** One indexing pass at a time (the indexer thread, a reader, close). */
    private final ReentrantLock indexing = new ReentrantLock();
    private List<ChainedEvent> pending = new ArrayList<>();
    private long lastSyncNanos = System.nanoTime();

    /** Over a data source whose schema {@link Storage} has already migrated; does not own it. No journal. */
    public JdbcAuditStore(DataSource dataSource) {
        this(dataSource, null);
    }

    /**
     * With a journal at {@code journalFile} (the embedded store); what it holds beyond the database
     * is written to the database now.
     */
    public JdbcAuditStore(DataSource dataSource, Path journalFile) {
        this.transactions = new Transactions(dataSource, "audit store");
        this.h2 = transactions.run(connection -> connection.getMetaData().getDatabaseProductName().startsWith("H2"));
        if (journalFile == null) {
            this.journal = null;
            this.indexer = null;
            return;
        }
        this.journal = new AuditJournal(journalFile);
        replay();
        this.indexer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffre-audit-indexer");
            t.setDaemon(true);
            return t;
        });
        indexer.scheduleWithFixedDelay(this::indexQuietly, INDEX_INTERVAL_MILLIS, INDEX_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void replay() {
        List<ChainedEvent> journaled = journal.readAll();
        java.util.Map<String, Long> last = new java.util.HashMap<>();
        List<ChainedEvent> missing = new ArrayList<>();
        for (ChainedEvent e : journaled) {
            long inDatabase = last.computeIfAbsent(e.node(), n -> lastEventInDatabase(n).map(ChainedEvent::sequence).orElse(0L));
            if (e.sequence() > inDatabase) {
                missing.add(e);
            }
        }
        if (!missing.isEmpty()) {
            insert(missing);
            LOG.log(System.Logger.Level.WARNING, "wrote {0} audit event(s) from the journal that the database lacked",
                    missing.size());
        }
        sync();
        journal.reset();
    }

    private void indexQuietly() {
        try {
            index();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "audit indexing failed; the events stay in the journal and are retried: {0}",
                    e.toString());
        }
    }

    /** Writes the pending events to the database; syncs it and empties the journal when due. */
    private void index() {
        indexing.lock();
        try {
            List<ChainedEvent> batch;
            synchronized (journalLock) {
                batch = pending;
                pending = new ArrayList<>();
            }
            if (!batch.isEmpty()) {
                try {
                    insert(batch);
                } catch (RuntimeException e) {
                    synchronized (journalLock) {
                        batch.addAll(pending);
                        pending = batch;
                    }
                    throw e;
                }
            }
            if (System.nanoTime() - lastSyncNanos > TimeUnit.MILLISECONDS.toNanos(SYNC_INTERVAL_MILLIS)
                    || journal.size() > JOURNAL_SYNC_BYTES) {
                synchronized (journalLock) {
                    if (pending.isEmpty()) {
                        // Everything journaled is in the database: make it durable there, then forget it.
                        sync();
                        journal.reset();
                        lastSyncNanos = System.nanoTime();
                    }
                }
            }
        } finally {
            indexing.unlock();
        }
    }

    /** Before a read: the database holds every acknowledged event. */
    private void catchUp() {
        if (journal != null) {
            indexing.lock();
            try {
                List<ChainedEvent> batch;
                synchronized (journalLock) {
                    batch = pending;
                    pending = new ArrayList<>();
                }
                if (!batch.isEmpty()) {
                    try {
                        insert(batch);
                    } catch (RuntimeException e) {
                        synchronized (journalLock) {
                            batch.addAll(pending);
                            pending = batch;
                        }
                        throw e;
                    }
                }
            } finally {
                indexing.unlock();
            }
        }
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

    /** Writes what is pending, syncs the database, empties the journal and stops the indexer. */
    @Override
    public void close() {
        if (journal == null) {
            return;
        }
        indexer.shutdown();
        try {
            indexer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            catchUp();
            sync();
            journal.reset();
        } finally {
            journal.close();
        }
    }

    private Optional<ChainedEvent> lastEventInDatabase(String node) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT " + COLUMNS
                    + " FROM kms_audit_event WHERE node_id = ? ORDER BY seq DESC LIMIT 1")) {
                st.setString(1, node);
                return first(st);
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
        if (journal != null) {
            synchronized (journalLock) {
                if (pending.size() + events.size() > MAX_PENDING) {
                    // The database has not taken events for a long while: stop acknowledging.
                    throw new Store.StoreException("the audit database is " + pending.size()
                            + " events behind its journal", null);
                }
                journal.append(events);
                pending.addAll(events);
            }
            return;
        }
        insert(events);
        sync();
    }

    private void insert(List<ChainedEvent> events) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("INSERT INTO kms_audit_event (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (ChainedEvent chained : events) {
                    AuditEvent e = chained.event();
                    st.setString(1, chained.node());
                    st.setLong(2, chained.sequence());
                    st.setLong(3, ChainHash.micros(e.time()));
                    st.setString(4, e.type().name());
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
                    st.addBatch();
                }
                st.executeBatch();
            }
            return null;
        });
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
            try (PreparedStatement st = connection.prepareStatement("SELECT node_id, seq, head_hash, created_micros, mac"
                    + " FROM kms_audit_checkpoint WHERE node_id = ? ORDER BY seq DESC LIMIT 1")) {
                st.setString(1, node);
                List<AuditCheckpoint> found = checkpoints(st);
                return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
            }
        });
    }

    @Override
    public List<ChainedEvent> chain(String node, long afterSequence, int limit) {
        catchUp();
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT " + COLUMNS
                    + " FROM kms_audit_event WHERE node_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
                st.setString(1, node);
                st.setLong(2, afterSequence);
                st.setInt(3, limit);
                return all(st);
            }
        });
    }

    @Override
    public List<AuditCheckpoint> checkpoints(String node) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT node_id, seq, head_hash, created_micros, mac"
                    + " FROM kms_audit_checkpoint WHERE node_id = ? ORDER BY seq")) {
                st.setString(1, node);
                return checkpoints(st);
            }
        });
    }

    @Override
    public List<String> nodes() {
        catchUp();
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT node_id FROM kms_audit_event "
                    + "UNION SELECT node_id FROM kms_audit_checkpoint ORDER BY node_id");
                 ResultSet rs = st.executeQuery()) {
                List<String> nodes = new ArrayList<>();
                while (rs.next()) {
                    nodes.add(rs.getString(1));
                }
                return nodes;
            }
        });
    }

    @Override
    public List<ChainedEvent> query(AuditQuery query) {
        catchUp();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM kms_audit_event WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        query.from().ifPresent(t -> {
            sql.append(" AND event_micros >= ?");
            args.add(ChainHash.micros(t));
        });
        query.until().ifPresent(t -> {
            sql.append(" AND event_micros < ?");
            args.add(ChainHash.micros(t));
        });
        query.principal().ifPresent(p -> {
            sql.append(" AND principal = ?");
            args.add(p);
        });
        query.keyId().ifPresent(k -> {
            sql.append(" AND key_id = ?");
            args.add(k);
        });
        query.type().ifPresent(t -> {
            sql.append(" AND event_type = ?");
            args.add(t.name());
        });
        query.node().ifPresent(n -> {
            sql.append(" AND node_id = ?");
            args.add(n);
        });
        String beyond = query.newestFirst() ? "<" : ">";
        query.after().ifPresent(p -> {
            // Row-value comparison spelled out: (t, n, s) > (pt, pn, ps), or < when newest first.
            sql.append(" AND (event_micros " + beyond + " ? OR (event_micros = ? AND (node_id " + beyond
                    + " ? OR (node_id = ? AND seq " + beyond + " ?))))");
            args.add(p.timeMicros());
            args.add(p.timeMicros());
            args.add(p.node());
            args.add(p.node());
            args.add(p.sequence());
        });
        sql.append(query.newestFirst() ? " ORDER BY event_micros DESC, node_id DESC, seq DESC LIMIT ?"
                : " ORDER BY event_micros, node_id, seq LIMIT ?");
        args.add(query.limit());
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    st.setObject(i + 1, args.get(i));
                }
                return all(st);
            }
        });
    }

    private static Optional<ChainedEvent> first(PreparedStatement st) throws SQLException {
        List<ChainedEvent> found = all(st);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private static List<ChainedEvent> all(PreparedStatement st) throws SQLException {
        List<ChainedEvent> events = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                events.add(event(rs));
            }
        }
        return events;
    }

    private static ChainedEvent event(ResultSet rs) throws SQLException {
        String node = rs.getString("node_id");
        long sequence = rs.getLong("seq");
        AuditEvent event;
        try {
            event = readEvent(rs);
        } catch (IllegalArgumentException edited) {
            return ChainedEvent.unreadable(node, sequence, rs.getString("prev_hash"), rs.getString("hash"));
        }
        return new ChainedEvent(node, sequence, event, rs.getString("prev_hash"), rs.getString("hash"));
    }

    private static AuditEvent readEvent(ResultSet rs) throws SQLException {
        String reason = rs.getString("reason");
        return new AuditEvent(
                ChainHash.fromMicros(rs.getLong("event_micros")),
                AuditEventType.valueOf(rs.getString("event_type")),
                rs.getString("principal"),
                rs.getString("key_id"),
                rs.getInt("key_version"),
                AuditDecision.valueOf(rs.getString("decision")),
                reason.isEmpty() ? null : ErrorReason.valueOf(reason),
                rs.getString("request_id"),
                rs.getString("target"),
                rs.getString("detail"),
                rs.getString("context_sha256"),
                rs.getLong("latency_micros"));
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
