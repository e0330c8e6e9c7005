package coffre.kms.server.audit;

import coffre.kms.server.domain.CallBounds;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Verifies node chains as stored: sequence numbers without gaps from 1 (or from the prune anchor), each event linked to the
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

    /**
     * As {@link #verify(String, CallBounds)}, telling {@code progress} how far it is. A chain that
     * was pruned starts at its {@linkplain AuditStore#anchor anchor}: the anchor's HMAC must verify,
     * a checkpoint at the anchor's sequence must vouch for the anchor's hash, and the first event
     * left must follow the anchor (sequence and previous hash), as any event follows the one before.
     */
    public ChainReport verify(String node, CallBounds bounds, Progress progress) {
        return verify(node, bounds, progress, Long.MAX_VALUE);
    }

    /**
     * As {@link #verify(String, CallBounds, Progress)}, stopping as soon as a valid checkpoint at or
     * after {@code sealedThrough} is reached (the report then covers the chain up to it): what a
     * prune needs, at the cost of the events it prunes rather than of the whole chain.
     */
    public ChainReport verifyThrough(String node, long sealedThrough, CallBounds bounds) {
        return verify(node, bounds, Progress.NONE, sealedThrough);
    }

    private ChainReport verify(String node, CallBounds bounds, Progress progress, long enough) {
        AuditAnchor anchor = store.anchor(node).orElse(null);
        long start = anchor == null ? 0 : anchor.sequence();
        Iterator<AuditCheckpoint> checkpoints = new CheckpointPages(store, node, Math.max(0, start - 1));
        AuditCheckpoint nextCheckpoint = checkpoints.hasNext() ? checkpoints.next() : null;
        long expected = start + 1;
        long checkpointsChecked = 0;
        long anchored = start;
        String previous = anchor == null ? ChainHash.GENESIS : anchor.hash();
        long reported = 0;
        if (anchor != null) {
            if (!macVerifies(anchor)) {
                return bad(node, 0, 0, 0, expected, ChainReport.Problem.BAD_ANCHOR,
                        "the prune anchor at " + start + " has an HMAC that does not verify: forged or edited", anchor);
            }
            while (nextCheckpoint != null && nextCheckpoint.sequence() == start) {
                if (!macVerifies(nextCheckpoint) || !nextCheckpoint.headHash().equals(anchor.hash())) {
                    return bad(node, 0, 0, 0, expected, ChainReport.Problem.BAD_ANCHOR,
                            "the checkpoint at the prune anchor " + start + " does not vouch for the anchor's hash", anchor);
                }
                checkpointsChecked++;
                nextCheckpoint = checkpoints.hasNext() ? checkpoints.next() : null;
            }
        }
        walk:
        while (true) {
            if (expected - 1 - start - reported >= PROGRESS_EVERY) {
                reported = expected - 1 - start;
                progress.checked(node, reported);
            }
            List<ChainedEvent> page = store.chain(node, expected - 1, PAGE, bounds);
            if (page.isEmpty()) {
                break;
            }
            for (ChainedEvent event : page) {
                long events = expected - 1 - start;
                if (event.sequence() != expected) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.MISSING,
                            "no event " + expected + "; the next one is " + event.sequence()
                                    + (anchor == null ? "" : " (the chain starts after the prune anchor at " + start + ")"),
                            anchor);
                }
                if (!event.previousHash().equals(previous)) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.BROKEN_LINK,
                            expected - 1 == start && anchor != null
                                    ? "does not follow the prune anchor at " + start + ": the anchor or this event was altered"
                                    : "does not follow event " + (expected - 1)
                                            + ": inserted, reordered, or its predecessor was rewritten", anchor);
                }
                if (!event.readable()) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.EDITED,
                            "it no longer reads as an event (unknown type, decision or reason)", anchor);
                }
                if (!ChainHash.of(previous, node, event.sequence(), event.event()).equals(event.hash())) {
                    return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.EDITED,
                            "its content does not give its hash", anchor);
                }
                while (nextCheckpoint != null && nextCheckpoint.sequence() == expected) {
                    if (!macVerifies(nextCheckpoint)) {
                        return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.BAD_CHECKPOINT,
                                "the checkpoint at this event has an HMAC that does not verify", anchor);
                    }
                    if (!nextCheckpoint.headHash().equals(event.hash())) {
                        return bad(node, events, checkpointsChecked, anchored, anchored + 1, ChainReport.Problem.REWRITTEN,
                                "events " + (anchored + 1) + " to " + expected + " were rewritten: event " + expected
                                        + " is not the one its checkpoint vouched for", anchor);
                    }
                    checkpointsChecked++;
                    anchored = expected;
                    nextCheckpoint = checkpoints.hasNext() ? checkpoints.next() : null;
                }
                if (anchored >= enough) {
                    expected++;
                    break walk;
                }
                if (nextCheckpoint != null && nextCheckpoint.sequence() < expected) {
                    // A checkpoint at a sequence that the loop skipped cannot happen with gap checks; be safe.
                    return bad(node, events, checkpointsChecked, anchored, nextCheckpoint.sequence(),
                            ChainReport.Problem.BAD_CHECKPOINT, "a checkpoint names an event out of sequence", anchor);
                }
                previous = event.hash();
                expected++;
            }
        }
        long events = expected - 1 - start;
        if (anchored >= enough) {
            return ChainReport.valid(node, events, checkpointsChecked, anchored, anchor);
        }
        if (nextCheckpoint != null) {
            return bad(node, events, checkpointsChecked, anchored, expected, ChainReport.Problem.TRUNCATED,
                    "the chain ends at " + (expected - 1) + " but a checkpoint covers up to "
                            + lastOf(nextCheckpoint, checkpoints), anchor);
        }
        return ChainReport.valid(node, events, checkpointsChecked, anchored, anchor);
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

    private boolean macVerifies(AuditAnchor anchor) {
        try {
            byte[] stored = HexFormat.of().parseHex(anchor.mac());
            return MessageDigest.isEqual(macKey.mac(anchor.bytes()), stored);
        } catch (IllegalArgumentException notHex) {
            return false;
        }
    }

    private static ChainReport bad(String node, long events, long checkpoints, long anchored, long firstBad,
                                   ChainReport.Problem problem, String detail, AuditAnchor start) {
        return new ChainReport(node, events, checkpoints, anchored, firstBad, problem, detail, start);
    }

    /** A chain's checkpoints, read a page at a time (memory does not grow with their number). */
    private static final class CheckpointPages implements Iterator<AuditCheckpoint> {
        private static final int CHECKPOINT_PAGE = 1_000;
        private final AuditStore store;
        private final String node;
        private Iterator<AuditCheckpoint> page = java.util.Collections.emptyIterator();
        private long after;
        private boolean last;

        CheckpointPages(AuditStore store, String node, long after) {
            this.store = store;
            this.node = node;
            this.after = after;
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
