package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.keys.LiveKey;
import java.time.Clock;
import java.util.Map;

/**
 * The data plane's {@link DataAccessPolicy} and {@link RequestAccessPolicy}: each key's access
 * policy (validated and compiled when the key was set or loaded, so globs are compiled once per
 * policy change, not per call) and live grants, decided by {@link AccessDecider}. Each decision is
 * told to a {@link DecisionObserver} (the node's traces show it as a {@code policy} span).
 */
public final class KeyAccessEnforcer implements DataAccessPolicy, RequestAccessPolicy {
    private final AccessDecider decider;
    private final Clock clock;
    private final DecisionObserver observer;

    /** Decisions observed by nobody. */
    public KeyAccessEnforcer(AccessDecider decider, Clock clock) {
        this(decider, clock, DecisionObserver.NONE);
    }

    public KeyAccessEnforcer(AccessDecider decider, Clock clock, DecisionObserver observer) {
        this.decider = decider;
        this.clock = clock;
        this.observer = observer;
    }

    @Override
    public void check(Principal caller, DataOperation operation, LiveKey key, Map<String, String> context) {
        DecisionObserver.Decision decision = observer.begin();
        try {
            decider.check(caller, operation, key.metadata().accessPolicy(), key.metadata().id().value(), context,
                    clock.instant());
        } catch (KmsException e) {
            decision.refused(e.reason().name());
            throw e;
        } finally {
            decision.close();
        }
    }

    @Override
    public AccessRefusal refusal(Principal caller, DataOperation operation, LiveKey key, RequestMetadata request) {
        DecisionObserver.Decision decision = observer.begin();
        try {
            AccessRefusal refusal = decider.refusal(caller, operation, key.metadata().accessPolicy(),
                    key.metadata().id().value(), null, request, clock.instant());
            if (refusal != null) {
                decision.refused(refusal.kind().name());
            }
            return refusal;
        } catch (KmsException e) {
            decision.refused(e.reason().name());
            throw e;
        } finally {
            decision.close();
        }
    }
}
