package coffre.kms.server.audit;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * This node's audit chain, written with group commit.
 *
 * <p>Callers hand events to {@link #record}; one writer thread takes everything queued (up to
 * {@code maxBatch}), chains it after the last event, appends it in one transaction that is
 * durable on return, and only then completes the callers' futures. Under load a batch holds many
 * events, so the cost of a durable commit is shared; idle, an event is written at once.
 *
 * <p>When a write fails:
 * <ul>
 *   <li>{@link FailureMode#CLOSED} (the default): the batch's callers get {@code AUDIT_UNAVAILABLE}
 *       and must not answer with a result; {@link #checkWritable()} refuses new work until a write
 *       succeeds again (the refused requests' own events are the probes).</li>
 *   <li>{@link FailureMode#OPEN}: callers are answered; the chained events wait in memory, in
 *       order, and are written first when the store is back. Past {@code maxBacklog} events, new
 *       ones are counted and replaced by one {@link AuditEventType#EVENTS_DROPPED} event.</li>
 * </ul>
 *
 * <p>No caller waits longer than {@code maxWait} for its event: a write stuck on an unreachable
 * database (each attempt may wait the store's whole connection timeout, and events queued behind
 * it would wait for it and then for their own attempt) is not waited for past that. In CLOSED mode
 * the caller then gets {@code AUDIT_UNAVAILABLE}; in OPEN mode it is answered. Either way the event
 * stays queued: it is written if the writer's attempt for it works (in CLOSED mode a failed attempt
 * drops it, as it drops every refused batch), so the log may hold events of calls that were
 * refused, never the reverse.
 *
 * <p>While a CLOSED log is failing and idle, the writer reads the chain's tail now and then: when
 * that works again, the log counts as writable (readiness follows {@link #watchWritable}), so a
 * node that load balancers stopped sending requests to can come back without one.
 */
public final class AuditLog implements AuditSink, AutoCloseable {
    private static final Logger LOG = System.getLogger(AuditLog.class.getName());
    private static final long RETRY_PAUSE_MILLIS = 200;
    private static final int QUEUE_CAPACITY = 200_000;

    /** What requests do while the audit log cannot be written. */
    public enum FailureMode { CLOSED, OPEN }

    /** The last durable event of the chain (sequence 0 and {@link ChainHash#GENESIS} when empty). */
    public record Head(long sequence, String hash) {
    }

    private record Pending(AuditEvent event, CompletableFuture<Void> done, long enqueuedNanos) {
    }

    /** The default {@code maxWait}: the default connection timeout of the PostgreSQL store. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(3);
    private static final Pending[] NONE = new Pending[0];

    private final AuditStore store;
    private final String node;
    private final FailureMode mode;
    private final int maxBatch;
    private final int maxBacklog;
    private final Clock clock;
    private final long maxWaitNanos;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread writer;
    private final ScheduledExecutorService watchdog;
    /** The batch being written now (a copy the watchdog may read), or {@link #NONE}. */
    private volatile Pending[] inFlight = NONE;
    private volatile Consumer<Boolean> writableListener = writable -> { };
    private volatile AuditWrites writes = AuditWrites.NONE;
    private final Object idle = new Object();
    private final Object writableLock = new Object();
    private final AtomicLong submitted = new AtomicLong();
    /** Events whose future has been settled by the writer; guarded by {@link #idle}. */
    private long settled;

    private volatile Head head;
    private volatile boolean failing;
    private volatile boolean running = true;
    /** Writer-thread state: where the chain goes on, and what waits in memory while failing open. */
    private final ChainTail tail;
    private String lastFailure;

    private AuditLog(AuditStore store, String node, FailureMode mode, int maxBatch, int maxBacklog,
                     Duration maxWait, Clock clock) {
        this.store = store;
        this.maxWaitNanos = maxWait.toNanos();
        this.node = node;
        this.mode = mode;
        this.maxBatch = maxBatch;
        this.maxBacklog = maxBacklog;
        this.clock = clock;
        this.head = store.lastEvent(node)
                .map(last -> new Head(last.sequence(), last.hash()))
                .orElse(new Head(0, ChainHash.GENESIS));
        this.tail = new ChainTail(store, node, maxBacklog, clock, head);
        this.writer = new Thread(this::writeLoop, "coffre-audit-writer");
        this.writer.setDaemon(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "coffre-audit-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Opens {@code node}'s chain where the store left it and starts the writer.
     *
     * @param maxBatch   most events per transaction
     * @param maxBacklog most events kept in memory while failing open
     */
    public static AuditLog open(AuditStore store, String node, FailureMode mode, int maxBatch, int maxBacklog,
                                Clock clock) {
        return open(store, node, mode, maxBatch, maxBacklog, DEFAULT_MAX_WAIT, clock);
    }

    /**
     * As above; a caller waits at most {@code maxWait} (about: the watchdog looks every tenth of
     * it, at most every 50 ms) for its event to be written.
     */
    public static AuditLog open(AuditStore store, String node, FailureMode mode, int maxBatch, int maxBacklog,
                                Duration maxWait, Clock clock) {
        Objects.requireNonNull(node, "node");
        if (maxBatch < 1 || maxBacklog < 1) {
            throw new IllegalArgumentException("batch and backlog sizes are positive");
        }
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait is positive");
        }
        AuditLog log = new AuditLog(store, node, mode, maxBatch, maxBacklog, maxWait, clock);
        log.writer.start();
        long tick = Math.max(1, Math.min(50, maxWait.toMillis() / 10));
        log.watchdog.scheduleWithFixedDelay(log::giveUpOverdue, tick, tick, TimeUnit.MILLISECONDS);
        return log;
    }

    /**
     * Tells {@code listener} each time the log turns unwritable (false, at the first failed write)
     * or writable again (true), on the writer's or the watchdog's thread; it must not block. If the
     * log is unwritable already, the listener is told so at once.
     */
    public void watchWritable(Consumer<Boolean> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (writableLock) {
            this.writableListener = listener;
            if (failing) {
                listener.accept(false);
            }
        }
    }

    /** Tells {@code listener} of each batch written and each failed write (for metrics); replaces the last one. */
    public void watchWrites(AuditWrites listener) {
        this.writes = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Events accepted and not yet durable: queued, or in the batch being written (not those kept
     * in memory while failing open). Cheap: read on every metrics scrape.
     */
    public int pending() {
        return queue.size() + inFlight.length;
    }

    public String node() {
        return node;
    }

    public FailureMode failureMode() {
        return mode;
    }

    /** The last durable event, for checkpoints. */
    public Head head() {
        return head;
    }

    @Override
    public CompletionStage<Void> record(AuditEvent event) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(unavailable("the audit log is closed"));
        } else if (queue.offer(new Pending(event, done, System.nanoTime()))) {
            submitted.incrementAndGet();
        } else {
            done.completeExceptionally(unavailable("the audit log is not keeping up"));
        }
        return done;
    }

    /** False while the last write failed (until one succeeds again); readiness follows it. */
    public boolean writable() {
        return !failing;
    }

    @Override
    public void checkWritable() {
        if (mode == FailureMode.CLOSED && failing) {
            throw unavailable("the audit log cannot be written; nothing is done unrecorded");
        }
    }

    /** Waits until every event recorded so far has been written (or has failed); for tests and shutdown. */
    public void flush() {
        long target = submitted.get();
        synchronized (idle) {
            while (settled < target && writer.isAlive()) {
                try {
                    idle.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (tail.hasBacklog()) {
                        write(batch);
                    } else if (failing && mode == FailureMode.CLOSED) {
                        probe();
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                inFlight = batch.toArray(NONE);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                // write() handles store failures; anything else is a bug, but must not stop the writer.
                LOG.log(Level.ERROR, "audit writer failed unexpectedly", e);
                batch.forEach(p -> p.done().completeExceptionally(unavailable("the audit log failed")));
            } finally {
                inFlight = NONE;
                synchronized (idle) {
                    settled += batch.size();
                    idle.notifyAll();
                }
                batch.clear();
            }
        }
        queue.forEach(p -> p.done().completeExceptionally(unavailable("the audit log is closed")));
    }

    private void write(List<Pending> batch) throws InterruptedException {
        // After a failed write, its transaction may have committed anyway (the connection broke
        // while the commit's answer was on its way): the stored tail is read again first.
        if (failing) {
            try {
                resyncTail();
            } catch (RuntimeException e) {
                onFailure(e, batch);
                return;
            }
        }
        if (tail.hasBacklog() && !retryBacklog()) {
            // Still failing open: keep what fits, count the rest, answer everyone.
            for (Pending pending : batch) {
                tail.keepOrDrop(pending.event());
                pending.done().complete(null);
            }
            Thread.sleep(RETRY_PAUSE_MILLIS);
            return;
        }
        if (batch.isEmpty()) {
            return;
        }
        List<AuditEvent> events = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            events.add(pending.event());
        }
        ChainHash.Chained chained = tail.chain(events);
        long started = System.nanoTime();
        try {
            store.append(chained);
        } catch (RuntimeException e) {
            onFailure(e, batch);
            return;
        }
        writes.written(events.size(), System.nanoTime() - started);
        written(chained.last());
        batch.forEach(p -> p.done().complete(null));
    }

    /**
     * Whether the store answers again, with nothing to write: a read of the chain's tail. It can
     * succeed where a write would still fail (a full disk); the next write then says so again.
     */
    private void probe() throws InterruptedException {
        try {
            resyncTail();
        } catch (RuntimeException e) {
            Thread.sleep(RETRY_PAUSE_MILLIS);
            return;
        }
        setFailing(false);
        LOG.log(Level.WARNING, "audit store reachable again; the next write will tell whether it is writable");
    }

    /**
     * Answers every caller that has waited {@code maxWait} for its event (see the class comment);
     * runs on the watchdog thread. Batches and the queue are in arrival order, so each scan stops
     * at the first caller still within its time.
     */
    private void giveUpOverdue() {
        long now = System.nanoTime();
        for (Pending pending : inFlight) {
            if (!giveUpIfOverdue(pending, now)) {
                break;
            }
        }
        for (Pending pending : queue) {
            if (!giveUpIfOverdue(pending, now)) {
                break;
            }
        }
    }

    private boolean giveUpIfOverdue(Pending pending, long now) {
        if (now - pending.enqueuedNanos() < maxWaitNanos) {
            return false;
        }
        if (!pending.done().isDone()) {
            if (mode == FailureMode.CLOSED) {
                // A write this slow refuses callers as a failed one does: readiness must say so now,
                // not when the store finally answers (the next write that works clears it).
                setFailing(true);
                pending.done().completeExceptionally(unavailable("the audit log could not write the event within "
                        + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms; nothing is done unrecorded"));
            } else {
                pending.done().complete(null);
            }
        }
        return true;
    }

    /** Called by the writer and the watchdog; the lock keeps the listener's calls in the flag's order. */
    private void setFailing(boolean now) {
        synchronized (writableLock) {
            if (failing != now) {
                failing = now;
                writableListener.accept(!now);
            }
        }
    }

    /** Writes the events kept while failing open (and the count of those dropped); true if it worked. */
    private boolean retryBacklog() {
        Optional<ChainedEvent> last = tail.writeBacklog();
        last.ifPresent(this::written);
        return last.isPresent();
    }

    private void written(ChainedEvent last) {
        head = new Head(last.sequence(), last.hash());
        tail.written(last);
        if (failing) {
            setFailing(false);
            LOG.log(Level.WARNING, "audit log writable again at sequence {0,number,#}", last.sequence());
        }
    }

    /** Reads the chain's stored tail after a failed write (see {@link ChainTail#resync}). */
    private void resyncTail() {
        tail.resync(head).ifPresent(stored -> head = stored);
    }

    private void onFailure(RuntimeException e, List<Pending> batch) throws InterruptedException {
        // Logged once per distinct cause, not once per retry.
        if (!failing || !e.toString().equals(lastFailure)) {
            LOG.log(Level.ERROR, "cannot write the audit log (" + mode + " mode): " + e);
            lastFailure = e.toString();
        }
        setFailing(true);
        writes.failed();
        if (mode == FailureMode.CLOSED) {
            // Nothing of this batch was written: the chain goes on from the last durable event.
            KmsException error = unavailable("the audit log cannot be written; nothing is done unrecorded");
            batch.forEach(p -> p.done().completeExceptionally(error));
        } else {
            for (Pending pending : batch) {
                tail.keepOrDrop(pending.event());
                pending.done().complete(null);
            }
        }
        Thread.sleep(RETRY_PAUSE_MILLIS);
    }

    /** Stops accepting events, writes what is queued, and stops the writer. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watchdog.shutdownNow();
        }
        if (tail.hasBacklog()) {
            LOG.log(Level.ERROR, "audit log closed with {0} unwritten and {1} dropped event(s)", tail.backlogSize(),
                    tail.dropped());
        }
    }

    private static KmsException unavailable(String message) {
        return new KmsException(ErrorReason.AUDIT_UNAVAILABLE, message, Map.of());
    }
}
