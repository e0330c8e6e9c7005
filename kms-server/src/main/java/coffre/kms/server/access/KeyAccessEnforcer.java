package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.keys.LiveKey;
import java.time.Clock;
import java.util.Map;

/**
 * The data plane's {@link DataAccessPolicy} and {@link RequestAccessPolicy}: each key's access
 * policy (validated and compiled when the key was set or loaded, so globs are compiled once per
 * policy change, not per call) and live grants, decided by {@link AccessDecider}.
 */
public final class KeyAccessEnforcer implements DataAccessPolicy, RequestAccessPolicy {
    private final AccessDecider decider;
    private final Clock clock;

    public KeyAccessEnforcer(AccessDecider decider, Clock clock) {
        this.decider = decider;
        this.clock = clock;
    }

    @Override
    public void check(Principal caller, DataOperation operation, LiveKey key, Map<String, String> context) {
        decider.check(caller, operation, key.metadata().accessPolicy(), key.metadata().id().value(), context,
                clock.instant());
    }

    @Override
    public AccessRefusal refusal(Principal caller, DataOperation operation, LiveKey key, RequestMetadata request) {
        return decider.refusal(caller, operation, key.metadata().accessPolicy(), key.metadata().id().value(), null,
                request, clock.instant());
    }
}
