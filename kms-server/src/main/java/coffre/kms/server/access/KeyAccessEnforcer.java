package coffre.kms.server.access;

import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.LiveKey;
import coffre.kms.server.domain.Principal;
import coffre.kms.v1.DataOperation;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data plane's {@link DataAccessPolicy}: each key's compiled {@link KeyAccessPolicy} (cached
 * per key revision, so globs are compiled once per policy change, not per call) and live grants,
 * decided by {@link AccessDecider}.
 */
public final class KeyAccessEnforcer implements DataAccessPolicy {
    private record Compiled(long revision, KeyAccessPolicy policy) {
    }

    private final AccessDecider decider;
    private final Clock clock;
    private final Map<KeyId, Compiled> compiled = new ConcurrentHashMap<>();

    public KeyAccessEnforcer(AccessDecider decider, Clock clock) {
        this.decider = decider;
        this.clock = clock;
    }

    @Override
    public void check(Principal caller, DataOperation operation, LiveKey key, Map<String, String> context) {
        decider.check(caller, operation, policyOf(key), key.metadata().id().value(), context, clock.instant());
    }

    private KeyAccessPolicy policyOf(LiveKey key) {
        long revision = key.metadata().revision();
        Compiled cached = compiled.get(key.metadata().id());
        if (cached == null || cached.revision() != revision) {
            cached = new Compiled(revision, KeyAccessPolicy.fromProto(key.metadata().accessPolicy()));
            compiled.put(key.metadata().id(), cached);
        }
        return cached.policy();
    }
}
