package coffre.kms.server.approval;

import coffre.kms.server.approval.ApprovalStore.Phase;
import coffre.kms.server.approval.ApprovalStore.Stored;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GetCeremonyStatusResponse;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.InitCeremonyResponse;
import coffre.kms.v1.ListApprovalRequestsResponse;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.Operation;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The approval engine: officers, the rule, approval requests and votes, over an
 * {@link ApprovalStore} shared by every node.
 *
 * <p>Exactly once: the vote that completes the rule must move the stored request from PENDING to
 * EXECUTING with a compare-and-set on its revision before running the operation; a concurrent
 * vote (on this node or another) loses that race, re-reads the request and finds it closed. Within
 * one node votes are also serialised by a lock, which keeps retries rare.
 */
public final class QuorumService implements Quorum {
    /** How far a signed time may be from the server's clock (replay window). */
    public static final Duration SIGNATURE_WINDOW = Duration.ofMinutes(5);
    private static final Logger LOG = System.getLogger(QuorumService.class.getName());
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int MAX_RETRIES = 8;
    /** An execution claimed longer ago than this has been interrupted (executions take milliseconds). */
    private static final Duration STALE_EXECUTION = Duration.ofMinutes(10);
    private static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_PAGE_SIZE = 1000;

    private record Watcher(Set<ApprovalState> states, Consumer<ApprovalRequest> listener) {
    }

    private final ApprovalStore store;
    private final ApprovedOperations executor;
    private final Duration ttl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private volatile boolean initialized;

    QuorumService(ApprovalStore store, ApprovedOperations executor, Duration ttl, Clock clock) {
        this.store = store;
        this.executor = executor;
        this.ttl = ttl;
        this.clock = clock;
        this.initialized = store.initialization().isPresent();
        // Fail at start rather than count one person twice: see OfficerRules.requireDistinctKeys.
        OfficerRules.requireDistinctKeys(store.officers());
    }

    /**
     * @param store shared by every node of a cluster; its {@code update} is the exactly-once guard
     * @throws KmsException {@link ErrorReason#OFFICER_ALREADY_EXISTS} if two officers that are not
     *                      removed hold the same key: the node must not serve such a quorum
     */
    public static QuorumService open(ApprovalStore store, ApprovedOperations executor, Duration ttl, Clock clock) {
        return new QuorumService(store, executor, ttl, clock);
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
            if (!instant(stuck.request().getCreateTime()).isBefore(before)
                    || stuck.request().getVotesList().stream().anyMatch(v -> !instant(v.getSignedTime()).isBefore(before))) {
                continue;
            }
            ApprovalRequest failed = stuck.request().toBuilder().setState(ApprovalState.FAILED)
                    .setFailureReason(ErrorReason.INTERNAL_ERROR.name())
                    .setFailureMessage("the server stopped while executing this request; check its effect")
                    .setCloseTime(now()).build();
            if (store.update(failed, Phase.FAILED, stuck.revision())) {
                LOG.log(Level.WARNING, "approval request {0} was interrupted during execution", failed.getId());
                recovered++;
            }
        }
        return recovered;
    }

    // ---- requests -------------------------------------------------------------------------------

    @Override
    public void requireInitialized() {
        if (!initialized) {
            initialized = store.initialization().isPresent();
            if (!initialized) {
                throw new KmsException(ErrorReason.NOT_INITIALIZED,
                        "this server has no officers yet: run the init ceremony first");
            }
        }
    }

    @Override
    public ApprovalRequest submit(Operation operation, Principal requester) {
        requireInitialized();
        lock.lock();
        try {
            validateEarly(operation);
            Instant created = clock.instant();
            byte[] bytes = Statements.operationBytes(operation);
            ApprovalRequest request = ApprovalRequest.newBuilder()
                    .setId(newId())
                    .setOperation(ByteString.copyFrom(bytes))
                    .setDigest(ByteString.copyFrom(Statements.sha256(bytes)))
                    .setRequester(requester.name())
                    .setCreateTime(timestamp(created))
                    .setExpireTime(timestamp(created.plus(ttl)))
                    .setRule(rule())
                    .setState(ApprovalState.PENDING)
                    .setSummary(OperationSummary.of(operation))
                    .build();
            store.insert(request, created.plus(ttl));
            LOG.log(Level.INFO, "approval request {0} by {1}: {2}", request.getId(), requester, request.getSummary());
            notifyWatchers(request);
            return request;
        } finally {
            lock.unlock();
        }
    }

    /** Fails now, rather than after officers approved, on what is already known to be wrong. */
    private void validateEarly(Operation operation) {
        switch (operation.getKindCase()) {
            case ADD_OFFICER -> {
                Officer officer = operation.getAddOfficer().getOfficer();
                OfficerRules.validate(officer);
                Map<String, Officer> officers = officersById();
                requireNew(officer, officers);
                officers.put(officer.getId(), officer.toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build());
                OfficerRules.requireMeetable(rule(), officers.values());
            }
            case REMOVE_OFFICER -> {
                Map<String, Officer> officers = officersById();
                Officer officer = existing(officers, operation.getRemoveOfficer().getOfficerId());
                officers.put(officer.getId(), officer.toBuilder().setStatus(OfficerStatus.OFFICER_REMOVED).build());
                OfficerRules.requireMeetable(rule(), officers.values());
            }
            case REINSTATE_OFFICER -> {
                Map<String, Officer> officers = officersById();
                Officer officer = existing(officers, operation.getReinstateOfficer().getOfficerId());
                requireSuspended(officer);
                officers.put(officer.getId(), officer.toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build());
                OfficerRules.requireMeetable(rule(), officers.values());
            }
            case SET_QUORUM_RULE -> OfficerRules.requireMeetable(operation.getSetQuorumRule(), officersById().values());
            default -> { }
        }
    }

    @Override
    public ApprovalRequest get(String requestId) {
        return withCounts(find(requestId).request(), officersById());
    }

    private Stored find(String requestId) {
        return store.find(requestId).orElseThrow(() -> new KmsException(ErrorReason.APPROVAL_REQUEST_NOT_FOUND,
                "no approval request " + requestId));
    }

    @Override
    public ListApprovalRequestsResponse list(Set<ApprovalState> states, int pageSize, String pageToken) {
        int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
        if (size < 0 || size > MAX_PAGE_SIZE) {
            throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_size is 1 to " + MAX_PAGE_SIZE);
        }
        int offset = decodeToken(pageToken);
        List<Phase> phases = new ArrayList<>();
        for (ApprovalState state : states) {
            phases.add(Phase.valueOf(state.name()));
            if (state == ApprovalState.PENDING) {
                phases.add(Phase.EXECUTING);
            }
        }
        List<Stored> all = store.list(phases);
        Map<String, Officer> officers = officersById();
        ListApprovalRequestsResponse.Builder response = ListApprovalRequestsResponse.newBuilder();
        all.stream().skip(offset).limit(size).forEach(s -> response.addRequests(withCounts(s.request(), officers)));
        if (offset + size < all.size()) {
            response.setNextPageToken(Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(("a1:" + (offset + size)).getBytes(StandardCharsets.US_ASCII)));
        }
        return response.build();
    }

    private static int decodeToken(String token) {
        if (token.isEmpty()) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (text.startsWith("a1:")) {
                int offset = Integer.parseInt(text.substring(3));
                if (offset >= 0) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // the uniform error below
        }
        throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_token was not issued by this server");
    }

    @Override
    public ApprovalRequest vote(VoteRequest vote, Principal caller) {
        requireInitialized();
        requireVoteFields(vote);
        lock.lock();
        try {
            for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
                Optional<ApprovalRequest> outcome = tryVote(vote);
                if (outcome.isPresent()) {
                    return outcome.get();
                }
            }
            throw new KmsException(ErrorReason.CONCURRENT_MODIFICATION,
                    "the request kept changing while the vote was recorded; vote again");
        } finally {
            lock.unlock();
        }
    }

    /** One attempt; empty when another writer changed the request first (retry). */
    private Optional<ApprovalRequest> tryVote(VoteRequest vote) {
        Stored stored = find(vote.getRequestId());
        ApprovalRequest request = stored.request();
        if (stored.phase() == Phase.PENDING && clock.instant().isAfter(instant(request.getExpireTime()))) {
            close(stored, ApprovalState.EXPIRED, Phase.EXPIRED);
            throw closed(request.getId(), "EXPIRED");
        }
        if (stored.phase() != Phase.PENDING) {
            throw closed(request.getId(), stored.phase().name());
        }
        if (!MessageDigest.isEqual(request.getDigest().toByteArray(), Statements.sha256(request.getOperation().toByteArray()))) {
            throw new KmsException(ErrorReason.INTERNAL_ERROR, "internal error");
        }
        Map<String, Officer> officers = officersById();
        Officer officer = activeOfficer(officers, vote.getOfficerId());
        requireFresh(vote.getSignedTime());
        byte[] statement = Statements.vote(request.getId(), request.getDigest().toByteArray(), vote.getDecision(),
                vote.getSignedTime());
        if (!OfficerKeys.verify(officer.getPublicKey(), statement, vote.getSignature().toByteArray())) {
            throw new KmsException(ErrorReason.INVALID_SIGNATURE, "the signature of officer " + officer.getId()
                    + " does not verify for this request, digest and decision");
        }
        if (request.getVotesList().stream().anyMatch(v -> v.getOfficerId().equals(officer.getId()))) {
            throw new KmsException(ErrorReason.DUPLICATE_VOTE, "officer " + officer.getId() + " has already voted");
        }
        if (vote.getDecision() == Decision.APPROVE && !officer.getPrincipal().isEmpty()
                && officer.getPrincipal().equals(request.getRequester())) {
            throw new KmsException(ErrorReason.SELF_APPROVAL,
                    "officer " + officer.getId() + " made this request and cannot approve it");
        }
        ApprovalRequest voted = request.toBuilder().addVotes(ApprovalVote.newBuilder()
                .setOfficerId(officer.getId()).setDecision(vote.getDecision())
                .setSignedTime(vote.getSignedTime()).setSignature(vote.getSignature()).setCounted(true)).build();
        LOG.log(Level.INFO, "officer {0} voted {1} on approval request {2}", officer.getId(), vote.getDecision(),
                request.getId());

        if (vote.getDecision() == Decision.REJECT) {
            ApprovalRequest rejected = voted.toBuilder().setState(ApprovalState.REJECTED).setCloseTime(now()).build();
            return commit(rejected, Phase.REJECTED, stored.revision());
        }
        if (!OfficerRules.holds(voted, officers)) {
            return commit(voted, Phase.PENDING, stored.revision());
        }
        // This vote completes the rule: claim the execution first, so that it happens once.
        if (!store.update(voted, Phase.EXECUTING, stored.revision())) {
            return Optional.empty();
        }
        ApprovalRequest done = execute(voted);
        Phase phase = done.getState() == ApprovalState.EXECUTED ? Phase.EXECUTED : Phase.FAILED;
        if (!store.update(done, phase, stored.revision() + 1)) {
            LOG.log(Level.ERROR, "approval request {0} ran but its outcome could not be recorded", done.getId());
            throw new KmsException(ErrorReason.INTERNAL_ERROR, "approval request " + done.getId()
                    + " ran but its outcome could not be recorded; check its effect");
        }
        notifyWatchers(withCounts(done, officersById()));
        return Optional.of(withCounts(done, officersById()));
    }

    private ApprovalRequest execute(ApprovalRequest request) {
        ApprovalRequest.Builder done = request.toBuilder().setCloseTime(now());
        try {
            String result = executor.execute(Operation.parseFrom(request.getOperation()));
            LOG.log(Level.INFO, "approval request {0} executed: {1}", request.getId(), result);
            return done.setState(ApprovalState.EXECUTED).setResult(result).build();
        } catch (KmsException e) {
            LOG.log(Level.WARNING, "approval request {0} failed: {1}", request.getId(), e.reason());
            return done.setState(ApprovalState.FAILED).setFailureReason(e.reason().name())
                    .setFailureMessage(e.getMessage()).build();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.log(Level.ERROR, "approval request " + request.getId() + " failed unexpectedly", e);
            return done.setState(ApprovalState.FAILED).setFailureReason(ErrorReason.INTERNAL_ERROR.name())
                    .setFailureMessage("internal error").build();
        }
    }

    private Optional<ApprovalRequest> commit(ApprovalRequest request, Phase phase, long revision) {
        if (!store.update(request, phase, revision)) {
            return Optional.empty();
        }
        ApprovalRequest shown = withCounts(request, officersById());
        notifyWatchers(shown);
        return Optional.of(shown);
    }

    private void close(Stored stored, ApprovalState state, Phase phase) {
        ApprovalRequest closed = stored.request().toBuilder().setState(state).setCloseTime(now()).build();
        if (store.update(closed, phase, stored.revision())) {
            notifyWatchers(closed);
        }
    }

    /** Closes pending requests past their expiry and interrupted executions; returns how many. */
    public int expireDue() {
        int expired = recoverInterruptedExecutions();
        for (Stored stored : store.expired(clock.instant())) {
            ApprovalRequest closed = stored.request().toBuilder().setState(ApprovalState.EXPIRED).setCloseTime(now()).build();
            if (store.update(closed, Phase.EXPIRED, stored.revision())) {
                notifyWatchers(closed);
                expired++;
            }
        }
        return expired;
    }

    @Override
    public AutoCloseable watch(Set<ApprovalState> states, Consumer<ApprovalRequest> listener) {
        Watcher watcher = new Watcher(Set.copyOf(states), listener);
        watchers.add(watcher);
        if (states.isEmpty() || states.contains(ApprovalState.PENDING)) {
            Map<String, Officer> officers = officersById();
            store.list(List.of(Phase.PENDING)).forEach(s -> listener.accept(withCounts(s.request(), officers)));
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
                .ifPresent(s -> notifyWatchers(withCounts(s.request(), officersById())));
    }

    private void notifyWatchers(ApprovalRequest request) {
        for (Watcher watcher : watchers) {
            if (watcher.states().isEmpty() || watcher.states().contains(request.getState())) {
                try {
                    watcher.listener().accept(request);
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, "approval watcher failed: {0}", e.toString());
                }
            }
        }
    }

    // ---- officers and the rule --------------------------------------------------------------------

    @Override
    public GetCeremonyStatusResponse status() {
        Optional<ApprovalStore.Initialization> init = store.initialization();
        GetCeremonyStatusResponse.Builder status = GetCeremonyStatusResponse.newBuilder().setInitialized(init.isPresent());
        init.ifPresent(i -> status.setRule(i.rule()).setActiveOfficers((int) store.officers().stream()
                .filter(o -> o.getStatus() == OfficerStatus.OFFICER_ACTIVE).count()));
        return status.build();
    }

    @Override
    public InitCeremonyResponse initCeremony(InitCeremonyRequest request) {
        lock.lock();
        try {
            if (store.initialization().isPresent()) {
                throw new KmsException(ErrorReason.ALREADY_INITIALIZED, "this server already has officers");
            }
            byte[] bytes = request.getDocument().toByteArray();
            CeremonyDocument document;
            try {
                // Canonical only: the document's digest is the ceremony's identity, recorded and shown.
                document = Statements.parseCanonical(bytes, CeremonyDocument.parser());
            } catch (InvalidProtocolBufferException e) {
                throw ceremony("the document is not a CeremonyDocument in its canonical encoding "
                        + "(deterministic protobuf, no unknown fields)");
            }
            if (document.getNonce().isBlank()) {
                throw ceremony("the document has no nonce");
            }
            Instant now = clock.instant();
            List<Officer> officers = document.getOfficersList().stream()
                    .map(o -> o.toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).setCreateTime(timestamp(now))
                            .setFingerprint(OfficerKeys.fingerprint(o.getPublicKey())).build())
                    .toList();
            try {
                OfficerRules.validateSet(officers);
            } catch (KmsException e) {
                throw ceremony(e.getMessage());
            }
            OfficerRules.requireMeetable(document.getRule(), officers);
            Map<String, ByteString> signatures = new LinkedHashMap<>();
            for (CeremonySignature signature : request.getSignaturesList()) {
                if (signatures.put(signature.getOfficerId(), signature.getSignature()) != null) {
                    throw ceremony("officer " + signature.getOfficerId() + " signed twice");
                }
            }
            byte[] statement = Statements.ceremony(bytes);
            for (Officer officer : officers) {
                ByteString signature = signatures.remove(officer.getId());
                if (signature == null) {
                    throw ceremony("officer " + officer.getId() + " has not signed the document");
                }
                if (!OfficerKeys.verify(officer.getPublicKey(), statement, signature.toByteArray())) {
                    throw new KmsException(ErrorReason.INVALID_SIGNATURE,
                            "the ceremony signature of officer " + officer.getId() + " does not verify");
                }
            }
            if (!signatures.isEmpty()) {
                throw ceremony("signatures from officers not in the document: " + signatures.keySet());
            }
            String digest = HexFormat.of().formatHex(Statements.sha256(bytes));
            if (!store.initialize(document.getRule(), digest, officers, now)) {
                throw new KmsException(ErrorReason.ALREADY_INITIALIZED, "this server already has officers");
            }
            initialized = true;
            LOG.log(Level.INFO, "init ceremony {0}: {1} officer(s), rule {2}", digest, officers.size(),
                    OperationSummary.rule(document.getRule()));
            return InitCeremonyResponse.newBuilder().addAllOfficers(officers).setRule(document.getRule()).build();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Officer> officers() {
        // The fingerprint as computed now (canonical), not as stored by an older version.
        return store.officers().stream()
                .map(o -> o.toBuilder().setFingerprint(OfficerKeys.fingerprint(o.getPublicKey())).build()).toList();
    }

    @Override
    public QuorumRule rule() {
        return store.initialization().map(ApprovalStore.Initialization::rule).orElse(QuorumRule.getDefaultInstance());
    }

    @Override
    public Officer suspend(String officerId, OfficerSignature signature) {
        requireInitialized();
        lock.lock();
        try {
            verifyActNow(Operation.newBuilder().setSuspendOfficer(OfficerOperation.newBuilder().setOfficerId(officerId))
                    .build(), signature);
            Map<String, Officer> officers = officersById();
            Officer target = existing(officers, officerId);
            if (target.getStatus() == OfficerStatus.OFFICER_REMOVED) {
                throw new KmsException(ErrorReason.OFFICER_NOT_ACTIVE, "officer " + officerId + " was removed");
            }
            Officer suspended = target.toBuilder().setStatus(OfficerStatus.OFFICER_SUSPENDED).build();
            officers.put(officerId, suspended);
            // Never suspend the quorum out of existence: reinstating would then be impossible.
            OfficerRules.requireMeetable(rule(), officers.values());
            store.saveOfficer(suspended);
            LOG.log(Level.WARNING, "officer {0} suspended on the signature of officer {1}", officerId,
                    signature.getOfficerId());
            return suspended;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void addOfficer(Officer officer) {
        OfficerRules.validate(officer);
        Map<String, Officer> officers = officersById();
        requireNew(officer, officers);
        Officer added = officer.toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).setCreateTime(now())
                .setFingerprint(OfficerKeys.fingerprint(officer.getPublicKey())).build();
        officers.put(added.getId(), added);
        // A new operator's first officer must not make the per-operator minimum unmeetable.
        OfficerRules.requireMeetable(rule(), officers.values());
        store.saveOfficer(added);
    }

    @Override
    public void removeOfficer(String officerId) {
        Map<String, Officer> officers = officersById();
        Officer removed = existing(officers, officerId).toBuilder().setStatus(OfficerStatus.OFFICER_REMOVED).build();
        officers.put(officerId, removed);
        OfficerRules.requireMeetable(rule(), officers.values());
        store.saveOfficer(removed);
    }

    @Override
    public void reinstateOfficer(String officerId) {
        Map<String, Officer> officers = officersById();
        Officer officer = existing(officers, officerId);
        requireSuspended(officer);
        Officer active = officer.toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build();
        officers.put(officerId, active);
        OfficerRules.requireMeetable(rule(), officers.values());
        store.saveOfficer(active);
    }

    @Override
    public void setRule(QuorumRule rule) {
        OfficerRules.requireMeetable(rule, officersById().values());
        store.setRule(rule);
    }

    @Override
    public void verifyActNow(Operation operation, OfficerSignature signature) {
        requireInitialized();
        if (signature.getOfficerId().isEmpty()) {
            throw KmsException.missing("signature.officer_id");
        }
        if (!signature.hasSignedTime()) {
            throw KmsException.missing("signature.signed_time");
        }
        Officer officer = activeOfficer(officersById(), signature.getOfficerId());
        requireFresh(signature.getSignedTime());
        byte[] statement = Statements.actNow(operation, signature.getSignedTime());
        if (!OfficerKeys.verify(officer.getPublicKey(), statement, signature.getSignature().toByteArray())) {
            throw new KmsException(ErrorReason.INVALID_SIGNATURE,
                    "the signature of officer " + officer.getId() + " does not verify for this operation");
        }
        Instant now = clock.instant();
        store.forgetSignaturesUsedBefore(now.minus(SIGNATURE_WINDOW.multipliedBy(2)));
        // Keyed on what was signed, not on the signature bytes: ECDSA signatures are malleable
        // ((r, n-s) verifies too), so a replay may carry different bytes for the same statement.
        // Recorded in the store, so that a replay on another node of a cluster is refused too.
        String key = officer.getId() + ':' + HexFormat.of().formatHex(Statements.sha256(statement));
        if (!store.markSignatureUsed(key, now)) {
            throw new KmsException(ErrorReason.INVALID_SIGNATURE, "this signature has already been used");
        }
        LOG.log(Level.INFO, "officer {0} signed {1}", officer.getId(), OperationSummary.of(operation));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private Map<String, Officer> officersById() {
        Map<String, Officer> byId = new LinkedHashMap<>();
        store.officers().forEach(o -> byId.put(o.getId(), o));
        return byId;
    }

    private static Officer existing(Map<String, Officer> officers, String id) {
        Officer officer = officers.get(id);
        if (officer == null) {
            throw new KmsException(ErrorReason.OFFICER_NOT_FOUND, "no officer " + id);
        }
        return officer;
    }

    private static Officer activeOfficer(Map<String, Officer> officers, String id) {
        Officer officer = existing(officers, id);
        if (officer.getStatus() != OfficerStatus.OFFICER_ACTIVE) {
            throw new KmsException(ErrorReason.OFFICER_NOT_ACTIVE, "officer " + id + " is "
                    + (officer.getStatus() == OfficerStatus.OFFICER_SUSPENDED ? "suspended" : "removed"));
        }
        return officer;
    }

    private static void requireSuspended(Officer officer) {
        if (officer.getStatus() != OfficerStatus.OFFICER_SUSPENDED) {
            throw new KmsException(ErrorReason.OFFICER_NOT_ACTIVE, "only a suspended officer can be reinstated; "
                    + officer.getId() + " is " + officer.getStatus());
        }
    }

    private static void requireNew(Officer officer, Map<String, Officer> officers) {
        String fingerprint = OfficerKeys.fingerprint(officer.getPublicKey());
        for (Officer existing : officers.values()) {
            if (existing.getId().equals(officer.getId())
                    || OfficerKeys.fingerprint(existing.getPublicKey()).equals(fingerprint)) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS,
                        "an officer with id " + officer.getId() + " or the same public key already exists");
            }
        }
    }

    private void requireFresh(Timestamp signed) {
        Instant at = instant(signed);
        Instant now = clock.instant();
        if (at.isBefore(now.minus(SIGNATURE_WINDOW)) || at.isAfter(now.plus(SIGNATURE_WINDOW))) {
            throw new KmsException(ErrorReason.SIGNATURE_TIME_OUT_OF_RANGE, "the signed time " + at
                    + " is more than " + SIGNATURE_WINDOW.toMinutes() + " minutes from the server's clock");
        }
    }

    private static void requireVoteFields(VoteRequest vote) {
        if (vote.getRequestId().isEmpty()) {
            throw KmsException.missing("request_id");
        }
        if (vote.getOfficerId().isEmpty()) {
            throw KmsException.missing("officer_id");
        }
        if (vote.getDecision() != Decision.APPROVE && vote.getDecision() != Decision.REJECT) {
            throw KmsException.missing("decision");
        }
        if (!vote.hasSignedTime()) {
            throw KmsException.missing("signed_time");
        }
        if (vote.getSignature().isEmpty()) {
            throw KmsException.missing("signature");
        }
    }

    /** The request as shown: each vote marked counted or not by its officer's current status. */
    private static ApprovalRequest withCounts(ApprovalRequest request, Map<String, Officer> officers) {
        ApprovalRequest.Builder shown = request.toBuilder().clearVotes();
        for (ApprovalVote vote : request.getVotesList()) {
            shown.addVotes(vote.toBuilder().setCounted(OfficerRules.counts(officers.get(vote.getOfficerId()), request)));
        }
        return shown.build();
    }

    private static KmsException closed(String id, String state) {
        return new KmsException(ErrorReason.APPROVAL_REQUEST_CLOSED, "approval request " + id + " is " + state);
    }

    private static KmsException ceremony(String message) {
        return new KmsException(ErrorReason.INVALID_CEREMONY, "ceremony: " + message);
    }

    private String newId() {
        StringBuilder id = new StringBuilder("apr-");
        for (int i = 0; i < 26; i++) {
            id.append(BASE32[random.nextInt(BASE32.length)]);
        }
        return id.toString();
    }

    private Timestamp now() {
        return timestamp(clock.instant());
    }

    static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
