package coffre.kms.server.audit;

/**
 * What verifying one node's chain found.
 *
 * @param anchoredThrough  the last sequence covered by a valid checkpoint
 * @param firstBad         the first bad event's sequence (0 when valid)
 */
public record ChainReport(String node, long eventsChecked, long checkpointsChecked, long anchoredThrough,
                          long firstBad, Problem problem, String detail) {

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
        TRUNCATED
    }

    public boolean valid() {
        return problem == null;
    }

    static ChainReport valid(String node, long events, long checkpoints, long anchoredThrough) {
        return new ChainReport(node, events, checkpoints, anchoredThrough, 0, null, "");
    }
}
