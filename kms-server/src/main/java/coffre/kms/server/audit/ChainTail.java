package coffre.kms.server.audit;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where this node's audit chain goes on, as the {@link AuditLog}'s writer thread sees it: the last
 * chained event (written, or kept in memory while the log fails open), the events kept that way,
 * and the count of those dropped past {@code maxBacklog}. Kept apart from the log's queue and
 * failure state because its invariant is the chain's: every event is chained after the one before
 * it, whether it reached the store yet or not. Only the writer thread uses it.
 */
final class ChainTail {
    private static final Logger LOG = System.getLogger(AuditLog.class.getName());

    private final AuditStore store;
    private final String node;
    private final int maxBacklog;
    private final Clock clock;
    private final ArrayDeque<ChainedEvent> backlog = new ArrayDeque<>();
    private long sequence;
    private String hash;
    private long dropped;

    ChainTail(AuditStore store, String node, int maxBacklog, Clock clock, AuditLog.Head head) {
        this.store = store;
        this.node = node;
        this.maxBacklog = maxBacklog;
        this.clock = clock;
        this.sequence = head.sequence();
        this.hash = head.hash();
    }

    /** Whether events kept while failing open (or a count of dropped ones) wait to be written. */
    boolean hasBacklog() {
        return !backlog.isEmpty() || dropped > 0;
    }

    int backlogSize() {
        return backlog.size();
    }

    long dropped() {
        return dropped;
    }

    /** {@code events} chained after the tail, not yet written: the tail moves on when {@link #written} says so. */
    ChainHash.Chained chain(List<AuditEvent> events) {
        return ChainHash.chainAll(hash, node, sequence + 1, events);
    }

    /** The tail is now {@code last}, durable in the store. */
    void written(ChainedEvent last) {
        sequence = last.sequence();
        hash = last.hash();
    }

    /** Keeps {@code event} in memory, chained after the tail, or counts it dropped past {@code maxBacklog}. */
    void keepOrDrop(AuditEvent event) {
        if (backlog.size() >= maxBacklog) {
            dropped++;
            return;
        }
        ChainedEvent chained = ChainHash.chain(hash, node, sequence + 1, event);
        backlog.add(chained);
        sequence = chained.sequence();
        hash = chained.hash();
    }

    /**
     * Writes the events kept while failing open, and one {@link AuditEventType#EVENTS_DROPPED}
     * event for those dropped; the last event written, or empty if the store still fails.
     */
    Optional<ChainedEvent> writeBacklog() {
        List<ChainedEvent> pending = new ArrayList<>(backlog);
        if (dropped > 0) {
            pending.add(ChainHash.chain(hash, node, sequence + 1, AuditEvent.system(clock.instant(),
                    AuditEventType.EVENTS_DROPPED, "", "count=" + dropped)));
        }
        try {
            store.append(pending);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        backlog.clear();
        dropped = 0;
        ChainedEvent last = pending.get(pending.size() - 1);
        written(last);
        return Optional.of(last);
    }

    /**
     * Reads the chain's stored tail after a failed write; the new durable head if the store holds
     * more than {@code head}. Events at or below the stored tail are durable, even if their write
     * was reported failed: they were chained after the same predecessor with the same sequence
     * numbers, so the chain goes on after them (a stale tail would collide with them on every later
     * write, and the log would never be writable again). In CLOSED mode their callers were refused,
     * so the log then holds events of calls that were not answered — never the reverse.
     */
    Optional<AuditLog.Head> resync(AuditLog.Head head) {
        Optional<ChainedEvent> stored = store.lastEvent(node);
        long storedSequence = stored.map(ChainedEvent::sequence).orElse(0L);
        if (storedSequence <= head.sequence()) {
            return Optional.empty();
        }
        ChainedEvent last = stored.get();
        LOG.log(Level.WARNING, "audit events up to sequence {0,number,#} were committed although their write "
                + "was reported failed; the chain goes on after them", storedSequence);
        while (!backlog.isEmpty() && backlog.peekFirst().sequence() <= storedSequence) {
            backlog.pollFirst();
        }
        if (storedSequence > sequence) {
            dropped = 0; // the EVENTS_DROPPED marker was the last thing written
        }
        if (backlog.isEmpty()) {
            sequence = storedSequence;
            hash = last.hash();
        }
        return Optional.of(new AuditLog.Head(storedSequence, last.hash()));
    }
}
