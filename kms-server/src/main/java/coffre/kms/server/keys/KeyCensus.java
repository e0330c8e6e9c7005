package coffre.kms.server.keys;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * How many keys this node knows in each state, and how many scheduled deletions are overdue: what
 * monitoring shows of the key registry ({@link KeyRegistry#census}), counted from memory in one pass.
 *
 * @param byState       every {@link KeyState}, with 0 for the states no key is in
 * @param deletionsDue  keys {@link KeyState#PENDING_DELETION} whose deletion time has passed: the
 *                      deletion job has not destroyed them yet (it retries while the HSM or store fails)
 */
public record KeyCensus(Map<KeyState, Integer> byState, int deletionsDue) {
    public KeyCensus {
        EnumMap<KeyState, Integer> all = new EnumMap<>(KeyState.class);
        for (KeyState state : KeyState.values()) {
            all.put(state, byState.getOrDefault(state, 0));
        }
        byState = Collections.unmodifiableMap(all);
        if (deletionsDue < 0) {
            throw new IllegalArgumentException("deletionsDue is a count, got " + deletionsDue);
        }
    }

    /** Keys in {@code state}. */
    public int count(KeyState state) {
        return byState.get(state);
    }
}
