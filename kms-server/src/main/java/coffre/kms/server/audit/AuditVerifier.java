package coffre.kms.server.audit;

import coffre.kms.server.domain.CallBounds;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Verifies node chains as stored: sequence numbers without gaps from 1, each event linked to the
 * one before, each hash recomputed from the content, each checkpoint's HMAC recomputed inside
 * the HSM and matching the chain at its sequence, and no checkpointed event missing at the end.
 * It stops at the first problem of a chain and names that event.
 */
public final class AuditVerifier {
    private static final int PAGE = 5_000;
    static final long PROGRESS_EVERY = 100_000;

    private final AuditStore store;
    private final AuditMacKey macKey;

    public AuditVerifier(AuditStore store, AuditMacKey macKey) {
        this.store = store;
        this.macKey = macKey;
    }

    /** Every chain in the store. */
    public List<ChainReport> verifyAll() {
        return verifyAll(CallBounds.NONE);
    }

    /** Every chain in the store, stopping with the reason of {@code bounds} once its call is over. */
    public List<ChainReport> verifyAll(CallBounds bounds) {
        return verifyAll(bounds, Progress.NONE);
    }

    /** As {@link #verifyAll(CallBounds)}, telling {@code progress} how far each chain is read. */
    public List<ChainReport> verifyAll(CallBounds bounds, Progress progress) {
        return store.nodes().stream().map(node -> verify(node, bounds, progress)).toList();
    }

    /** Told how many events of a chain are checked, about every {@value #PROGRESS_EVERY} events. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (node, events) -> { };

        void checked(String node, long events);
    }

    public ChainReport verify(String node) {
        return verify(node, CallBounds.NONE);
    }

    /** One chain, read page by page, each page bounded by {@code bounds}. */
    public ChainReport verify(String node, CallBounds bounds) {
        return verify(node, bounds, Progress.NONE);
    }

    /** As {@link #verify(String, CallBounds)}, telling {@code progress} how far it is. */
    public ChainReport verify(String node, CallBounds bounds, Progress progress) {
        Iterator<AuditCheckpoint> checkpoints = new CheckpointPages(store, node);
        AuditCheckpoint nextCheckpoint = checkpoints.hasNext() ? checkpoints.next() : null;
        long expected = 1;
        long checkpointsChecked = 0;
        long anchored = 0;
        String previous = ChainHash.GENESIS;
        long reported = 0;
        while (true) {
            if (expected - 1 - reported >= PROGRESS_EVERY) {
                reported = expected - 1;
                progress.checked(node, reported);
            }
            List<ChainedEvent> page = store.chain(node, expected - 1, PAGE, bounds);
            if (page.isEmpty()) {
                break;
            }
            for (ChainedEvent event : page) {
                long events = expected - 1;
                if (event.sequence() != expected) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.MISSING,
                            "no event " + expected + "; the next one is " + event.sequence());
                }
                if (!event.previousHash().equals(previous)) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.BROKEN_LINK,
                            "does not follow event " + (expected - 1) + ": inserted, reordered, or its predecessor was rewritten");
                }
                if (!event.readable()) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.EDITED,
                            "it no longer reads as an event (unknown type, decision or reason)");
                }
                if (!ChainHash.of(previous, node, event.sequence(), event.event()).equals(event.hash())) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.EDITED,
                            "its content does not give its hash");
                }
                while (nextCheckpoint != null && nextCheckpoint.sequence() == expected) {
                    if (!macVerifies(nextCheckpoint)) {
                        return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.BAD_CHECKPOINT,
                                "the checkpoint at this event has an HMAC that does not verify");
                    }
                    if (!nextCheckpoint.headHash().equals(event.hash())) {
                        return bad(node, events, checkpointsChecked, anchored, anchored + 1, ChainReport.Problem.REWRITTEN,
                                "events " + (anchored + 1) + " to " + expected + " were rewritten: event " + expected
                                        + " is not the one its checkpoint vouched for");
                    }
                    checkpointsChecked++;
                    anchored = expected;
                    nextCheckpoint = checkpoints.hasNext() ? checkpoints.next() : null;
                }
                if (nextCheckpoint != null && nextCheckpoint.sequence() < expected) {
                    // A checkpoint at a sequence that the loop skipped cannot happen with gap checks; be safe.
                    return bad(node, events, checkpointsChecked, anchored, nextCheckpoint.sequence(),
                            ChainReport.Problem.BAD_CHECKPOINT, "a checkpoint names an event out of sequence");
                }
                previous = event.hash();
                expected++;
            }
        }
        long events = expected - 1;
        if (nextCheckpoint != null) {
            return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.TRUNCATED,
                    "the chain ends at " + events + " but a checkpoint covers up to " + lastOf(nextCheckpoint, checkpoints));
        }
        return ChainReport.valid(node, events, checkpointsChecked, anchored);
    }

    private static long lastOf(AuditCheckpoint first, Iterator<AuditCheckpoint> rest) {
        long last = first.sequence();
        while (rest.hasNext()) {
            last = rest.next().sequence();
        }
        return last;
    }

    private boolean macVerifies(AuditCheckpoint checkpoint) {
        try {
            byte[] stored = HexFormat.of().parseHex(checkpoint.mac());
            byte[] expected = macKey.mac(ChainHash.checkpointBytes(checkpoint.node(), checkpoint.sequence(),
                    checkpoint.headHash(), checkpoint.time()));
            return MessageDigest.isEqual(expected, stored);
        } catch (IllegalArgumentException notHex) {
            return false;
        }
    }

    private static ChainReport bad(String node, long events, long checkpoints, long anchored, long firstBad,
                                   ChainReport.Problem problem, String detail) {
        return new ChainReport(node, events, checkpoints, anchored, firstBad, problem, detail);
    }

    /** A chain's checkpoints, read a page at a time (memory does not grow with their number). */
    private static final class CheckpointPages implements Iterator<AuditCheckpoint> {
        private static final int CHECKPOINT_PAGE = 1_000;
        private final AuditStore store;
        private final String node;
        private Iterator<AuditCheckpoint> page = java.util.Collections.emptyIterator();
        private long after;
        private boolean last;

        CheckpointPages(AuditStore store, String node) {
            this.store = store;
            this.node = node;
        }

        @Override
        public boolean hasNext() {
            if (!page.hasNext() && !last) {
                List<AuditCheckpoint> next = store.checkpoints(node, after, CHECKPOINT_PAGE);
                last = next.size() < CHECKPOINT_PAGE;
                if (!next.isEmpty()) {
                    after = next.get(next.size() - 1).sequence();
                }
                page = next.iterator();
            }
            return page.hasNext();
        }

        @Override
        public AuditCheckpoint next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return page.next();
        }
    }
}
