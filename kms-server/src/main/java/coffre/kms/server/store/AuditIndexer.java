package coffre.kms.server.store;

import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded store's write path: appends are written to an {@link AuditJournal} — one small
 * synchronous write — and the database is filled from memory behind it every
 * {@value #INDEX_INTERVAL_MILLIS} ms by the indexer thread, everything pending as few rows as
 * possible. Every {@value #SYNC_INTERVAL_MILLIS} ms (or past {@value #JOURNAL_SYNC_BYTES} bytes) the
 * journal is swapped for a second, empty one, the database synced and the first emptied: appends
 * never wait for the database's sync (which took 16-42 ms under load, and held up every call while
 * appends waited for it). At start, whatever either journal holds beyond the database is written
 * to it.
 */
final class AuditIndexer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditIndexer.class.getName());
    static final long INDEX_INTERVAL_MILLIS = 100;
    static final long SYNC_INTERVAL_MILLIS = 10_000;
    static final long JOURNAL_SYNC_BYTES = 8L << 20;
    /**
     * Most journaled events waiting for the database (memory bound while it is unusable): about
     * 30 MiB of records, ten seconds of the fastest measured load; the default heap is 256 MiB.
     */
    static final int MAX_PENDING = 100_000;

    /** What the indexer needs of the database. */
    interface Database {
        /** The sequence of the node's last stored event, 0 when it has none. */
        long lastSequence(String node);

        /** Inserts the batches as rows, in one transaction. */
        void insert(List<AuditBatch> batches);

        /** Makes what was inserted durable. */
        void sync();
    }

    private final Database database;
    /** Where appends go (guarded by {@link #journalLock}). */
    private AuditJournal journal;
    /** The other journal: empty unless {@link #spareHolds}; swapped only by the indexing pass. */
    private AuditJournal spare;
    /** The spare holds events that are in the database but maybe not yet synced there. Holds {@link #indexing}. */
    private boolean spareHolds;
    private final ScheduledExecutorService indexer;
    /** Guards {@link #pending}, {@link #pendingEvents} and the journals; never held while writing or syncing the database. */
    private final Object journalLock = new Object();
    /** One indexing pass at a time (the indexer thread, a reader, close). */
    private final ReentrantLock indexing = new ReentrantLock();
    private List<AuditBatch> pending = new ArrayList<>();
    private int pendingEvents;
    private long lastSyncNanos = System.nanoTime();
    private final long syncIntervalNanos;

    /**
     * A journal at {@code journalFile}, and its spare beside it ({@code <journalFile>-2}); what they
     * hold beyond the database is written to the database now, then the indexer thread starts.
     */
    AuditIndexer(Path journalFile, long syncIntervalMillis, Database database) {
        this.database = database;
        this.syncIntervalNanos = TimeUnit.MILLISECONDS.toNanos(syncIntervalMillis);
        this.journal = new AuditJournal(journalFile);
        this.spare = new AuditJournal(journalFile.resolveSibling(journalFile.getFileName() + "-2"));
        replay();
        this.indexer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffre-audit-indexer");
            t.setDaemon(true);
            return t;
        });
        indexer.scheduleWithFixedDelay(this::indexQuietly, INDEX_INTERVAL_MILLIS, INDEX_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** Journals {@code batch} (durable on return) and leaves it pending for the database. */
    void append(AuditBatch batch) {
        synchronized (journalLock) {
            if (pendingEvents + batch.events() > MAX_PENDING) {
                // The database has not taken events for a long while: stop acknowledging.
                throw new StoreException("the audit database is " + pendingEvents
                        + " events behind its journal", null);
            }
            journal.append(batch.records());
            pending.add(batch);
            pendingEvents += batch.events();
        }
    }

    private void replay() {
        List<ChainedEvent> held = new ArrayList<>(journal.readAll());
        held.addAll(spare.readAll());
        java.util.Map<String, Long> last = new java.util.HashMap<>();
        java.util.SortedMap<String, java.util.SortedMap<Long, ChainedEvent>> missingByNode = new java.util.TreeMap<>();
        for (ChainedEvent e : held) {
            long inDatabase = last.computeIfAbsent(e.node(), database::lastSequence);
            if (e.sequence() > inDatabase) {
                // In either journal (a crash between a swap and the emptying of the full one): in order, once.
                missingByNode.computeIfAbsent(e.node(), n -> new java.util.TreeMap<>()).putIfAbsent(e.sequence(), e);
            }
        }
        List<ChainedEvent> missing = missingByNode.values().stream().flatMap(m -> m.values().stream()).toList();
        if (!missing.isEmpty()) {
            // Rare (after a crash): one batch per event, joined into rows as the indexer does.
            database.insert(missing.stream().map(e -> AuditBatch.of(List.of(e))).toList());
            LOG.log(System.Logger.Level.WARNING, "wrote {0} audit event(s) from the journal that the database lacked",
                    missing.size());
        }
        database.sync();
        journal.reset();
        spare.reset();
    }

    private void indexQuietly() {
        try {
            index();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "audit indexing failed; the events stay in the journal and are retried: {0}",
                    e.toString());
        }
    }

    /**
     * Writes the pending events to the database; when due, swaps the journals, syncs the database
     * and empties the journal it no longer appends to.
     */
    private void index() {
        indexing.lock();
        try {
            writePending();
            if (spareHolds) {
                // An earlier pass swapped, but could not sync: appends must never go after its records.
                database.sync();
                spare.reset();
                spareHolds = false;
            }
            synchronized (journalLock) {
                boolean due = System.nanoTime() - lastSyncNanos >= syncIntervalNanos
                        || journal.size() > JOURNAL_SYNC_BYTES;
                if (!due || !pending.isEmpty()) {
                    return;
                }
                // Everything in this journal is in the database: appends go to the other one from now.
                AuditJournal full = journal;
                journal = spare;
                spare = full;
                spareHolds = true;
            }
            database.sync();
            spare.reset();
            spareHolds = false;
            lastSyncNanos = System.nanoTime();
        } finally {
            indexing.unlock();
        }
    }

    /** Writes what is pending as few rows as possible; on failure it stays pending, in order. Holds {@link #indexing}. */
    private void writePending() {
        List<AuditBatch> batch;
        synchronized (journalLock) {
            batch = pending;
            pending = new ArrayList<>();
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            database.insert(batch);
        } catch (RuntimeException e) {
            synchronized (journalLock) {
                batch.addAll(pending);
                pending = batch;
            }
            throw e;
        }
        synchronized (journalLock) {
            for (AuditBatch written : batch) {
                pendingEvents -= written.events();
            }
        }
    }

    /** Before a read: the database holds every acknowledged event. */
    void catchUp() {
        indexing.lock();
        try {
            writePending();
        } finally {
            indexing.unlock();
        }
    }

    /** Writes what is pending, syncs the database, empties the journal and stops the indexer. */
    @Override
    public void close() {
        indexer.shutdown();
        try {
            indexer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            catchUp();
            database.sync();
            journal.reset();
            spare.reset();
        } finally {
            journal.close();
            spare.close();
        }
    }
}
