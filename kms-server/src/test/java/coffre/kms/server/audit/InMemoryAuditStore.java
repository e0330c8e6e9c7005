package coffre.kms.server.audit;

import coffre.kms.server.domain.StoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A pure-Java audit store for unit tests of the log's logic; it can be made to fail. */
final class InMemoryAuditStore implements AuditStore {
    private final List<ChainedEvent> events = new ArrayList<>();
    private final List<AuditCheckpoint> checkpoints = new ArrayList<>();
    private final List<AuditAnchor> anchors = new ArrayList<>();
    private final AtomicInteger appends = new AtomicInteger();
    private volatile boolean failing;
    private volatile boolean loseNextAcknowledgement;
    private volatile java.util.concurrent.CountDownLatch gate;

    void failing(boolean failing) {
        this.failing = failing;
    }

    /** The next append commits, then throws as if the connection broke before its answer arrived. */
    void loseNextAcknowledgement() {
        this.loseNextAcknowledgement = true;
    }

    int appends() {
        return appends.get();
    }

    synchronized List<ChainedEvent> events() {
        return List.copyOf(events);
    }

    @Override
    public synchronized Optional<ChainedEvent> lastEvent(String node) {
        // A database that is down refuses reads as well as writes.
        if (failing) {
            throw new StoreException("switched off", null);
        }
        return events.stream().filter(e -> e.node().equals(node)).max(Comparator.comparingLong(ChainedEvent::sequence));
    }

    @Override
    public void append(List<ChainedEvent> batch) {
        java.util.concurrent.CountDownLatch gate = this.gate;
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted", e);
            }
        }
        appendNow(batch);
    }

    /** Appends wait until the returned latch is opened, as on a database that does not answer. */
    java.util.concurrent.CountDownLatch hold() {
        java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
        this.gate = latch;
        return latch;
    }

    private synchronized void appendNow(List<ChainedEvent> batch) {
        if (failing) {
            throw new StoreException("switched off", null);
        }
        for (ChainedEvent event : batch) {
            // As the table's primary key (node, seq) does.
            if (events.stream().anyMatch(e -> e.node().equals(event.node()) && e.sequence() == event.sequence())) {
                throw new StoreException("duplicate key: " + event.node() + "/" + event.sequence(), null);
            }
        }
        appends.incrementAndGet();
        events.addAll(batch);
        if (loseNextAcknowledgement) {
            loseNextAcknowledgement = false;
            throw new StoreException("connection lost after the commit", null);
        }
    }

    @Override
    public synchronized void appendCheckpoint(AuditCheckpoint checkpoint) {
        checkpoints.add(checkpoint);
    }

    @Override
    public synchronized Optional<AuditCheckpoint> lastCheckpoint(String node) {
        return checkpoints.stream().filter(c -> c.node().equals(node)).reduce((a, b) -> b);
    }

    @Override
    public synchronized List<ChainedEvent> chain(String node, long afterSequence, int limit) {
        return events.stream().filter(e -> e.node().equals(node) && e.sequence() > afterSequence)
                .sorted(Comparator.comparingLong(ChainedEvent::sequence)).limit(limit).toList();
    }

    @Override
    public synchronized List<AuditCheckpoint> checkpoints(String node) {
        return checkpoints.stream().filter(c -> c.node().equals(node)).toList();
    }

    @Override
    public synchronized Optional<AuditAnchor> anchor(String node) {
        return anchors.stream().filter(a -> a.node().equals(node)).reduce((a, b) -> b);
    }

    /** Every event is a row of its own here; the chain's last one is never pruned. */
    @Override
    public synchronized long pruneBoundary(String node, long through) {
        long last = lastEvent(node).map(ChainedEvent::sequence).orElse(0L);
        return Math.max(0, Math.min(through, last - 1));
    }

    @Override
    public synchronized void prune(AuditAnchor anchor) {
        anchors.add(anchor);
        events.removeIf(e -> e.node().equals(anchor.node()) && e.sequence() <= anchor.sequence());
        checkpoints.removeIf(c -> c.node().equals(anchor.node()) && c.sequence() < anchor.sequence());
    }

    @Override
    public synchronized List<String> nodes() {
        return events.stream().map(ChainedEvent::node).distinct().sorted().toList();
    }

    @Override
    public List<ChainedEvent> query(AuditQuery query) {
        throw new UnsupportedOperationException("not needed by the log's tests");
    }
}
