package coffre.kms.v1.audit;

import coffre.kms.v1.AuditEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks exported audit events without the server or its HSM: per node, sequence numbers without
 * gaps, each event linked to the one before, and each hash recomputed from the content. A chain
 * that starts at sequence 1 is anchored at the genesis hash; one that starts later (a partial
 * export) is checked from its first event on. Checkpoint HMACs need the HSM: use the server's
 * VerifyChain for those.
 */
public final class OfflineChainCheck {
    private OfflineChainCheck() {
    }

    /** The outcome for one node's events; {@code firstBad} is 0 when they all check. */
    public record Result(String node, long events, long firstSequence, long lastSequence, long firstBad, String problem) {
        public boolean valid() {
            return firstBad == 0;
        }
    }

    public static List<Result> check(List<AuditEvent> events) {
        Map<String, List<AuditEvent>> byNode = new TreeMap<>();
        for (AuditEvent e : events) {
            byNode.computeIfAbsent(e.getNode(), n -> new ArrayList<>()).add(e);
        }
        List<Result> results = new ArrayList<>();
        byNode.forEach((node, chain) -> results.add(checkNode(node, chain)));
        return results;
    }

    private static Result checkNode(String node, List<AuditEvent> chain) {
        chain.sort(Comparator.comparingLong(AuditEvent::getSequence));
        long first = chain.get(0).getSequence();
        long last = chain.get(chain.size() - 1).getSequence();
        String previous = first == 1 ? AuditChainEncoding.GENESIS : chain.get(0).getPreviousHash();
        long expected = first;
        for (AuditEvent e : chain) {
            if (e.getSequence() != expected) {
                return new Result(node, chain.size(), first, last, expected,
                        e.getSequence() < expected ? "DUPLICATE" : "MISSING");
            }
            if (!e.getPreviousHash().equals(previous)) {
                return new Result(node, chain.size(), first, last, expected, "BROKEN_LINK");
            }
            String hash;
            try {
                hash = AuditChainEncoding.hash(previous, AuditChainEncoding.fields(e));
            } catch (IllegalArgumentException | ArithmeticException malformed) {
                return new Result(node, chain.size(), first, last, expected, "EDITED");
            }
            if (!hash.equals(e.getHash())) {
                return new Result(node, chain.size(), first, last, expected, "EDITED");
            }
            previous = e.getHash();
            expected++;
        }
        return new Result(node, chain.size(), first, last, 0, "");
    }
}
