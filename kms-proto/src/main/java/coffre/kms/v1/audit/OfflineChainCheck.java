package coffre.kms.v1.audit;

import coffre.kms.v1.AuditAnchorRecord;
import coffre.kms.v1.AuditCheckpointRecord;
import coffre.kms.v1.AuditEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks exported audit events without the server or its HSM: per node, sequence numbers without
 * gaps, each event linked to the one before, and each hash recomputed from the content. A chain
 * that starts at sequence 1 is anchored at the genesis hash; one that starts after a prune anchor
 * given with the export (an archive) must follow it (sequence and previous hash); any other partial
 * export is checked from its first event on. Checkpoints given with the export must name the
 * hash of the event at their sequence (or the anchor's): the export is then "sealed" through the
 * last of them. Checkpoint and anchor HMACs need the HSM: use the server's VerifyChain for those.
 */
public final class OfflineChainCheck {
    private OfflineChainCheck() {
    }

    /**
     * The outcome for one node's events; {@code firstBad} is 0 when they all check.
     * {@code sealedThrough} is the last sequence a given checkpoint names (0 if none);
     * {@code anchor} the prune anchor the chain starts at (0 if it starts at 1 or no anchor was given).
     */
    public record Result(String node, long events, long firstSequence, long lastSequence, long firstBad, String problem,
                         long sealedThrough, long anchor) {
        public Result(String node, long events, long firstSequence, long lastSequence, long firstBad, String problem) {
            this(node, events, firstSequence, lastSequence, firstBad, problem, 0, 0);
        }

        public boolean valid() {
            return firstBad == 0;
        }
    }

    public static List<Result> check(List<AuditEvent> events) {
        return check(events, List.of(), List.of());
    }

    /** As {@link #check(List)}, with the checkpoints and prune anchors an archive holds. */
    public static List<Result> check(List<AuditEvent> events, List<AuditCheckpointRecord> checkpoints,
                                     List<AuditAnchorRecord> anchors) {
        Map<String, List<AuditEvent>> byNode = new TreeMap<>();
        for (AuditEvent e : events) {
            byNode.computeIfAbsent(e.getNode(), n -> new ArrayList<>()).add(e);
        }
        Map<String, AuditAnchorRecord> anchorOf = new HashMap<>();
        anchors.forEach(a -> anchorOf.merge(a.getNode(), a, (x, y) -> x.getSequence() >= y.getSequence() ? x : y));
        List<Result> results = new ArrayList<>();
        byNode.forEach((node, chain) -> results.add(checkNode(node, chain,
                checkpoints.stream().filter(c -> c.getNode().equals(node)).toList(), anchorOf.get(node))));
        return results;
    }

    private static Result checkNode(String node, List<AuditEvent> chain, List<AuditCheckpointRecord> checkpoints,
                                    AuditAnchorRecord anchor) {
        chain.sort(Comparator.comparingLong(AuditEvent::getSequence));
        long first = chain.get(0).getSequence();
        long last = chain.get(chain.size() - 1).getSequence();
        long anchored = anchor == null ? 0 : anchor.getSequence();
        String previous = first == 1 ? AuditChainEncoding.GENESIS
                : anchor != null ? anchor.getHash() : chain.get(0).getPreviousHash();
        long expected = anchor != null && first != 1 ? anchored + 1 : first;
        Map<Long, String> hashes = new HashMap<>();
        if (anchor != null) {
            hashes.put(anchored, anchor.getHash());
        }
        for (AuditEvent e : chain) {
            if (e.getSequence() != expected) {
                return new Result(node, chain.size(), first, last, expected,
                        e.getSequence() < expected ? "DUPLICATE" : "MISSING", 0, anchored);
            }
            if (!e.getPreviousHash().equals(previous)) {
                return new Result(node, chain.size(), first, last, expected, "BROKEN_LINK", 0, anchored);
            }
            String hash;
            try {
                hash = AuditChainEncoding.hash(previous, AuditChainEncoding.fields(e));
            } catch (IllegalArgumentException | ArithmeticException malformed) {
                return new Result(node, chain.size(), first, last, expected, "EDITED", 0, anchored);
            }
            if (!hash.equals(e.getHash())) {
                return new Result(node, chain.size(), first, last, expected, "EDITED", 0, anchored);
            }
            hashes.put(expected, hash);
            previous = e.getHash();
            expected++;
        }
        long sealed = 0;
        for (AuditCheckpointRecord c : checkpoints) {
            String at = hashes.get(c.getSequence());
            if (at == null) {
                // A checkpoint of an event the file does not hold proves nothing here.
                continue;
            }
            if (!at.equals(c.getHeadHash())) {
                return new Result(node, chain.size(), first, last, c.getSequence(), "REWRITTEN", 0, anchored);
            }
            sealed = Math.max(sealed, c.getSequence());
        }
        return new Result(node, chain.size(), first, last, 0, "", sealed, anchored);
    }
}
