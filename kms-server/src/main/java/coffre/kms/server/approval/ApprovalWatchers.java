package coffre.kms.server.approval;

import coffre.kms.server.approval.ApprovalStore.Phase;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's watchers of approval requests (the watch streams of officers' tools): each is told
 * of every request created or changed in the states it asked for, on this node directly and, in a
 * cluster, through {@link #changedElsewhere} for what other nodes did.
 *
 * <p>A watcher that fails is skipped, not removed: closing its subscription is its owner's job.
 */
public final class ApprovalWatchers {
    private static final Logger LOG = System.getLogger(ApprovalWatchers.class.getName());

    private record Watcher(Set<Approval.State> states, Consumer<Approval> listener) {
    }

    private final ApprovalStore store;
    private final OfficerRegistry officers;
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    ApprovalWatchers(ApprovalStore store, OfficerRegistry officers) {
        this.store = store;
        this.officers = officers;
    }

    /** See {@link Quorum#watch}. */
    AutoCloseable watch(Set<Approval.State> states, Consumer<Approval> listener) {
        Watcher watcher = new Watcher(Set.copyOf(states), listener);
        watchers.add(watcher);
        if (states.isEmpty() || states.contains(Approval.State.PENDING)) {
            Map<String, OfficerRecord> current = officers.byId();
            store.list(List.of(Phase.PENDING)).forEach(s -> listener.accept(OfficerRules.withCounts(s.request(), current)));
        }
        return () -> watchers.remove(watcher);
    }

    /**
     * Tells this node's watchers of a request that another node created or changed (see
     * {@link coffre.kms.server.cluster.ChangeFeed}); this node's own changes reach them directly.
     * A request being executed is shown when its outcome is recorded, as on the executing node.
     */
    public void changedElsewhere(String requestId) {
        if (watchers.isEmpty()) {
            return;
        }
        store.find(requestId).filter(s -> s.phase() != Phase.EXECUTING)
                .ifPresent(s -> notify(OfficerRules.withCounts(s.request(), officers.byId())));
    }

    /** Tells every watcher of {@code request}'s state. */
    void notify(Approval request) {
        for (Watcher watcher : watchers) {
            if (watcher.states().isEmpty() || watcher.states().contains(request.state())) {
                try {
                    watcher.listener().accept(request);
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, "approval watcher failed: {0}", e.toString());
                }
            }
        }
    }
}
