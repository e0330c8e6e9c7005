package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.v1.Decision;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.Operation;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The approval engine: officers, the rule, approval requests and votes, over an
 * {@link ApprovalStore} shared by every node. Each concern has its own collaborator:
 * {@link ApprovalRequests} (the request state machine and exactly-once execution),
 * {@link ApprovalWatchers} (watch streams), {@link PageTokens}, {@link InitCeremony},
 * {@link OfficerRegistry} (the officer set and the rule) and {@link ActNowSignatures}.
 *
 * <p>What holds between them is here: on one node, the calls that change requests or officers
 * (submit, vote, the ceremony, suspending) take turns under one lock. Correctness across nodes
 * does not rest on it (each change is a compare-and-set in the store), but it keeps the retries
 * of concurrent votes on one node rare.
 */
public final class QuorumService implements Quorum {
    private final ReentrantLock lock = new ReentrantLock();
    private final InitCeremony ceremony;
    private final OfficerRegistry officers;
    private final ActNowSignatures actNow;
    private final ApprovalWatchers watchers;
    private final ApprovalRequests requests;
    private volatile Consumer<Decision> votes = decision -> { };

    QuorumService(ApprovalStore store, ApprovedOperations executor, Duration ttl, Clock clock) {
        this.ceremony = new InitCeremony(store, clock);
        // Fail at start rather than count one person twice: see OfficerRules.requireDistinctKeys.
        OfficerRules.requireDistinctKeys(store.officers());
        this.officers = new OfficerRegistry(store, clock);
        this.actNow = new ActNowSignatures(store, officers, clock);
        this.watchers = new ApprovalWatchers(store, officers);
        this.requests = new ApprovalRequests(store, executor, officers, watchers, ttl, clock);
    }

    /**
     * @param store shared by every node of a cluster; its {@code update} is the exactly-once guard
     * @throws KmsException {@link ErrorReason#OFFICER_ALREADY_EXISTS} if two officers that are not
     *                      removed hold the same key: the node must not serve such a quorum
     */
    public static QuorumService open(ApprovalStore store, ApprovedOperations executor, Duration ttl, Clock clock) {
        return new QuorumService(store, executor, ttl, clock);
    }

    /** What approved officer and rule changes run on (see {@link ApprovedOperations#officerChanges}). */
    public ApprovedOperations.OfficerChanges officerChanges() {
        return officers;
    }

    /**
     * Tells {@code listener} of each vote this node records (after it is stored), for metrics;
     * replaces the last one. Called on the voting thread: it must be cheap and not block.
     */
    public void watchVotes(Consumer<Decision> listener) {
        this.votes = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Approval requests waiting for votes, on every node (a store read: call it off the event loop,
     * now and then, not per request).
     *
     * @throws coffre.kms.server.domain.StoreException when the store cannot be read
     */
    public int pendingCount() {
        return requests.pendingCount();
    }

    /** This node's watchers, which a cluster tells of requests changed on other nodes. */
    public ApprovalWatchers watchers() {
        return watchers;
    }

    @Override
    public void requireInitialized() {
        ceremony.requireInitialized();
    }

    @Override
    public Approval submit(Operation operation, Principal requester) {
        requireInitialized();
        return locked(() -> requests.submit(operation, requester));
    }

    @Override
    public void verifyActNow(Operation operation, OfficerSignature signature) {
        requireInitialized();
        actNow.verify(operation, signature);
    }

    @Override
    public Approval get(String requestId) {
        return requests.get(requestId);
    }

    @Override
    public ApprovalPage list(Set<Approval.State> states, int pageSize, String pageToken) {
        return requests.list(states, pageSize, pageToken);
    }

    @Override
    public Approval vote(Ballot ballot, Principal caller) {
        requireInitialized();
        ballot.requireComplete();
        Approval voted = locked(() -> requests.vote(ballot));
        votes.accept(ballot.decision());
        return voted;
    }

    @Override
    public AutoCloseable watch(Set<Approval.State> states, Consumer<Approval> listener) {
        return watchers.watch(states, listener);
    }

    @Override
    public int expireDue() {
        return requests.expireDue();
    }

    @Override
    public CeremonyStatus status() {
        return ceremony.status();
    }

    @Override
    public OfficerSet initCeremony(SignedCeremony signed) {
        return locked(() -> ceremony.run(signed));
    }

    @Override
    public List<OfficerRecord> officers() {
        return officers.officers();
    }

    @Override
    public QuorumRule rule() {
        return officers.rule();
    }

    @Override
    public OfficerRecord suspend(String officerId, OfficerSignature signature) {
        requireInitialized();
        return locked(() -> {
            actNow.verify(Operation.newBuilder()
                    .setSuspendOfficer(OfficerOperation.newBuilder().setOfficerId(officerId)).build(), signature);
            return officers.suspend(officerId, signature.officerId());
        });
    }

    private <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }
}
