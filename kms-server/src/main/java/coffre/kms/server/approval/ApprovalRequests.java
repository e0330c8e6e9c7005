package coffre.kms.server.approval;

import coffre.kms.server.approval.ApprovalStore.Phase;
import coffre.kms.server.approval.ApprovalStore.Stored;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Operation;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.InvalidProtocolBufferException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Approval requests through their life: made PENDING, voted on, then EXECUTED or FAILED once the
 * rule holds, REJECTED on one rejection, EXPIRED when too old.
 *
 * <p>Exactly once: the vote that completes the rule must move the stored request from PENDING to
 * EXECUTING with a compare-and-set on its revision before running the operation; a concurrent
 * vote (on this node or another) loses that race, re-reads the request and finds it closed. Every
 * other change is a compare-and-set too, retried on a fresh read when another writer came first.
 */
final class ApprovalRequests {
    private static final Logger LOG = System.getLogger(ApprovalRequests.class.getName());
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int MAX_RETRIES = 8;
    /** An execution claimed longer ago than this has been interrupted (executions take milliseconds). */
    private static final Duration STALE_EXECUTION = Duration.ofMinutes(10);

    private final ApprovalStore store;
    private final ApprovedOperations executor;
    private final OfficerRegistry officers;
    private final ApprovalWatchers watchers;
    private final Duration ttl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    ApprovalRequests(ApprovalStore store, ApprovedOperations executor, OfficerRegistry officers,
                     ApprovalWatchers watchers, Duration ttl, Clock clock) {
        this.store = store;
        this.executor = executor;
        this.officers = officers;
        this.watchers = watchers;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** See {@link ApprovalGate#submit}. */
    Approval submit(Operation operation, Principal requester) {
        officers.requireProposable(operation);
        Instant created = clock.instant();
        byte[] bytes = Statements.operationBytes(operation);
        Approval request = Approval.pending(newId(), bytes, Statements.sha256(bytes), requester.name(), created,
                created.plus(ttl), officers.rule(), OperationSummary.of(operation));
        store.insert(request, created.plus(ttl));
        LOG.log(Level.INFO, "approval request {0} by {1}: {2}", request.id(), requester, request.summary());
        watchers.notify(request);
        return request;
    }

    /** See {@link Quorum#get}. */
    Approval get(String requestId) {
        return OfficerRules.withCounts(find(requestId).request(), officers.byId());
    }

    /** See {@link Quorum#list}. A request being executed is listed as PENDING, which it still is. */
    ApprovalPage list(Set<Approval.State> states, int pageSize, String pageToken) {
        int size = PageTokens.pageSize(pageSize);
        int offset = PageTokens.offset(pageToken);
        List<Phase> phases = new ArrayList<>();
        for (Approval.State state : states) {
            phases.add(Phase.valueOf(state.name()));
            if (state == Approval.State.PENDING) {
                phases.add(Phase.EXECUTING);
            }
        }
        List<Stored> all = store.list(phases);
        Map<String, OfficerRecord> current = officers.byId();
        List<Approval> page = all.stream().skip(offset).limit(size)
                .map(s -> OfficerRules.withCounts(s.request(), current)).toList();
        return new ApprovalPage(page, offset + size < all.size() ? PageTokens.at(offset + size) : "");
    }

    /**
     * See {@link Quorum#vote}; {@code ballot} is complete. Retries on a fresh read while other
     * writers change the request first, a few times.
     */
    Approval vote(Ballot ballot) {
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            Optional<Approval> outcome = tryVote(ballot);
            if (outcome.isPresent()) {
                return outcome.get();
            }
        }
        throw new KmsException(ErrorReason.CONCURRENT_MODIFICATION,
                "the request kept changing while the vote was recorded; vote again");
    }

    /** One attempt; empty when another writer changed the request first (retry). */
    private Optional<Approval> tryVote(Ballot ballot) {
        Stored stored = find(ballot.requestId());
        Approval request = stored.request();
        if (stored.phase() == Phase.PENDING && clock.instant().isAfter(request.expireTime())) {
            close(stored, Approval.State.EXPIRED, Phase.EXPIRED);
            throw closed(request.id(), "EXPIRED");
        }
        if (stored.phase() != Phase.PENDING) {
            throw closed(request.id(), stored.phase().name());
        }
        if (!MessageDigest.isEqual(request.digest(), Statements.sha256(request.operation()))) {
            throw new KmsException(ErrorReason.INTERNAL_ERROR, "internal error");
        }
        Map<String, OfficerRecord> current = officers.byId();
        OfficerRecord officer = OfficerRegistry.active(current, ballot.officerId());
        SignedTime signedTime = ballot.signature().signedTime();
        signedTime.requireFresh(clock.instant());
        byte[] statement = Statements.vote(request.id(), request.digest(), ballot.decision(), signedTime.statementTime());
        if (!OfficerKeys.verify(officer.publicKey(), statement, ballot.signature().signature())) {
            throw new KmsException(ErrorReason.INVALID_SIGNATURE, "the signature of officer " + officer.id()
                    + " does not verify for this request, digest and decision");
        }
        if (request.votes().stream().anyMatch(v -> v.officerId().equals(officer.id()))) {
            throw new KmsException(ErrorReason.DUPLICATE_VOTE, "officer " + officer.id() + " has already voted");
        }
        if (ballot.decision() == Decision.APPROVE && !officer.principal().isEmpty()
                && officer.principal().equals(request.requester())) {
            throw new KmsException(ErrorReason.SELF_APPROVAL,
                    "officer " + officer.id() + " made this request and cannot approve it");
        }
        Approval voted = request.withVote(new Approval.Vote(ballot.signature(), ballot.decision(), true));
        LOG.log(Level.INFO, "officer {0} voted {1} on approval request {2}", officer.id(), ballot.decision(),
                request.id());

        if (ballot.decision() == Decision.REJECT) {
            return commit(voted.closed(Approval.State.REJECTED, clock.instant()), Phase.REJECTED, stored.revision());
        }
        // Officers are counted by distinct key, not by id: see OfficerRules.holds.
        if (!OfficerRules.holds(voted, current)) {
            return commit(voted, Phase.PENDING, stored.revision());
        }
        // This vote completes the rule: claim the execution first, so that it happens once.
        if (!store.update(voted, Phase.EXECUTING, stored.revision())) {
            return Optional.empty();
        }
        Approval done = execute(voted);
        Phase phase = done.state() == Approval.State.EXECUTED ? Phase.EXECUTED : Phase.FAILED;
        if (!store.update(done, phase, stored.revision() + 1)) {
            LOG.log(Level.ERROR, "approval request {0} ran but its outcome could not be recorded", done.id());
            throw new KmsException(ErrorReason.INTERNAL_ERROR, "approval request " + done.id()
                    + " ran but its outcome could not be recorded; check its effect");
        }
        watchers.notify(OfficerRules.withCounts(done, officers.byId()));
        return Optional.of(OfficerRules.withCounts(done, officers.byId()));
    }

    /** Runs the approved operation; its failure is the request's outcome, not the vote's. */
    private Approval execute(Approval request) {
        Instant closed = clock.instant();
        try {
            String result = executor.execute(Operation.parseFrom(request.operation()));
            LOG.log(Level.INFO, "approval request {0} executed: {1}", request.id(), result);
            return request.executed(result, closed);
        } catch (KmsException e) {
            LOG.log(Level.WARNING, "approval request {0} failed: {1}", request.id(), e.reason());
            return request.failed(e.reason().name(), e.getMessage(), closed);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.log(Level.ERROR, "approval request " + request.id() + " failed unexpectedly", e);
            return request.failed(ErrorReason.INTERNAL_ERROR.name(), "internal error", closed);
        }
    }

    private Optional<Approval> commit(Approval request, Phase phase, long revision) {
        if (!store.update(request, phase, revision)) {
            return Optional.empty();
        }
        Approval shown = OfficerRules.withCounts(request, officers.byId());
        watchers.notify(shown);
        return Optional.of(shown);
    }

    private void close(Stored stored, Approval.State state, Phase phase) {
        Approval closed = stored.request().closed(state, clock.instant());
        if (store.update(closed, phase, stored.revision())) {
            watchers.notify(closed);
        }
    }

    /**
     * Requests waiting for votes and not past their expiry, across the cluster (one store read: for
     * monitoring, not per call).
     */
    int pendingCount() {
        Instant now = clock.instant();
        return (int) store.list(List.of(Phase.PENDING)).stream()
                .filter(s -> s.request().expireTime().isAfter(now)).count();
    }

    /** See {@link Quorum#expireDue}. */
    int expireDue() {
        int expired = recoverInterruptedExecutions();
        for (Stored stored : store.expired(clock.instant())) {
            Approval closed = stored.request().closed(Approval.State.EXPIRED, clock.instant());
            if (store.update(closed, Phase.EXPIRED, stored.revision())) {
                watchers.notify(closed);
                expired++;
            }
        }
        return expired;
    }

    /**
     * A request still EXECUTING long after it was claimed means the node running it stopped: its
     * outcome is unknown, so it is closed as FAILED for officers to check and, if needed, request
     * again. Only old claims are touched, so a node executing right now is not interrupted.
     */
    private int recoverInterruptedExecutions() {
        int recovered = 0;
        Instant before = clock.instant().minus(STALE_EXECUTION);
        for (Stored stuck : store.list(List.of(Phase.EXECUTING))) {
            if (!stuck.request().createTime().isBefore(before)
                    || stuck.request().votes().stream().anyMatch(v -> !v.signature().signedTime().instant().isBefore(before))) {
                continue;
            }
            Approval failed = stuck.request().failed(ErrorReason.INTERNAL_ERROR.name(),
                    "the server stopped while executing this request; check its effect", clock.instant());
            if (store.update(failed, Phase.FAILED, stuck.revision())) {
                LOG.log(Level.WARNING, "approval request {0} was interrupted during execution", failed.id());
                recovered++;
            }
        }
        return recovered;
    }

    private Stored find(String requestId) {
        return store.find(requestId).orElseThrow(() -> new KmsException(ErrorReason.APPROVAL_REQUEST_NOT_FOUND,
                "no approval request " + requestId));
    }

    private static KmsException closed(String id, String state) {
        return new KmsException(ErrorReason.APPROVAL_REQUEST_CLOSED, "approval request " + id + " is " + state);
    }

    private String newId() {
        StringBuilder id = new StringBuilder("apr-");
        for (int i = 0; i < 26; i++) {
            id.append(BASE32[random.nextInt(BASE32.length)]);
        }
        return id.toString();
    }
}
