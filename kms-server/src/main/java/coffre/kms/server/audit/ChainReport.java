package coffre.kms.server.audit;

/**
 * What verifying one node's chain found.
 *
 * @param anchoredThrough  the last sequence covered by a valid checkpoint
 * @param firstBad         the first bad event's sequence (0 when valid)
 * @param start            where the chain starts after a prune (its events up to there are
 *                         archived, not stored); null when it starts at 1
 */
public record ChainReport(String node, long eventsChecked, long checkpointsChecked, long anchoredThrough,
                          long firstBad, Problem problem, String detail, AuditAnchor start) {

    public ChainReport(String node, long eventsChecked, long checkpointsChecked, long anchoredThrough,
                       long firstBad, Problem problem, String detail) {
        this(node, eventsChecked, checkpointsChecked, anchoredThrough, firstBad, problem, detail, null);
    }

    /** What is wrong at {@link #firstBad}. */
    public enum Problem {
        /** The event's content no longer gives its hash: it was edited. */
        EDITED,
        /** No event has this sequence number, though later ones exist: deleted. */
        MISSING,
        /** The event does not follow the one before it: inserted, reordered, or its predecessor rewritten. */
        BROKEN_LINK,
        /** A checkpoint's HMAC does not verify: forged or edited. */
        BAD_CHECKPOINT,
        /** The chain no longer has the head a valid checkpoint vouched for: rewritten since. */
        REWRITTEN,
        /** A valid checkpoint covers events that are gone from the end of the chain. */
        TRUNCATED,
        /** The prune anchor the chain starts at has an HMAC that does not verify: forged or edited. */
        BAD_ANCHOR
    }

    public boolean valid() {
        return problem == null;
    }

    static ChainReport valid(String node, long events, long checkpoints, long anchoredThrough, AuditAnchor start) {
        return new ChainReport(node, events, checkpoints, anchoredThrough, 0, null, "", start);
    }
}
