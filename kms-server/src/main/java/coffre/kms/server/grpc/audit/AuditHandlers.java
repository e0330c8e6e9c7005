package coffre.kms.server.grpc.audit;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.audit.AuditAnchor;
import coffre.kms.server.audit.AuditCheckpoint;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditRetention;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditStore;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.audit.ChainReport;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.StoppableUnary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.AuditAnchorRecord;
import coffre.kms.v1.AuditCheckpointRecord;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.PruneAuditChainRequest;
import coffre.kms.v1.PruneAuditChainResponse;
import coffre.kms.v1.PruneAuditOperation;
import coffre.kms.v1.ReadAuditChainRequest;
import coffre.kms.v1.ReadAuditChainResponse;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.QueryAuditEventsResponse;
import coffre.kms.v1.VerifyAuditChainProgress;
import coffre.kms.v1.VerifyAuditChainResponse;
import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code AuditService}: query the log, read and verify its chains, and ask officers to prune one. */
public final class AuditHandlers {
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_FILTER = 1024;
    /** AWS ARNs may have 2,048 characters (the XKS spec). */
    private static final int MAX_ARN_FILTER = 2048;

    private AuditHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(AuditStore store, AuditVerifier verifier, AuditRetention retention,
                                               ApprovalGate approvals) {
        return List.of(
                new StoppableUnary<>(AuditServiceGrpc.getReadChainMethod(), Operation.READ_AUDIT_CHAIN,
                        (caller, r, bounds, progress) -> readChain(store, r, bounds)),
                new StoppableUnary<>(AuditServiceGrpc.getPruneChainMethod(), Operation.PRUNE_AUDIT,
                        (caller, r, bounds, progress) -> prune(retention, approvals, caller, r)),
                new StoppableUnary<>(AuditServiceGrpc.getQueryEventsMethod(), Operation.QUERY_AUDIT,
                        (caller, r, bounds, progress) -> query(store, r, bounds)),
                new StoppableUnary<>(AuditServiceGrpc.getVerifyChainMethod(), Operation.VERIFY_AUDIT,
                        (caller, r, bounds, progress) -> verify(verifier, r.getNode(), bounds)),
                new StoppableUnary<>(AuditServiceGrpc.getVerifyChainStreamMethod(), Operation.VERIFY_AUDIT,
                        (caller, r, bounds, progress) -> VerifyAuditChainProgress.newBuilder()
                                .setResult(verify(verifier, r.getNode(), bounds, (node, events) -> progress.accept(
                                        VerifyAuditChainProgress.newBuilder().setNode(node).setEventsChecked(events)
                                                .build())))
                                .build()));
    }

    static QueryAuditEventsResponse query(AuditStore store, QueryAuditEventsRequest r) {
        return query(store, r, CallBounds.NONE);
    }

    /** A page of events; the store stops, with DEADLINE_EXCEEDED or CANCELLED, once the caller has gone. */
    static QueryAuditEventsResponse query(AuditStore store, QueryAuditEventsRequest r, CallBounds bounds) {
        if (r.getPageSize() > AuditQuery.MAX_LIMIT) {
            throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_size is at most " + AuditQuery.MAX_LIMIT,
                    Map.of("field", "page_size"));
        }
        int limit = r.getPageSize() == 0 ? DEFAULT_PAGE : r.getPageSize();
        Optional<Instant> from = r.hasStartTime() ? Optional.of(instant(r.getStartTime(), "start_time")) : Optional.empty();
        Optional<Instant> until = r.hasEndTime() ? Optional.of(instant(r.getEndTime(), "end_time")) : Optional.empty();
        if (from.isPresent() && until.isPresent() && !from.get().isBefore(until.get())) {
            throw invalid("start_time must be before end_time", "start_time");
        }
        Optional<AuditQuery.Position> after = r.getPageToken().isEmpty()
                ? Optional.empty() : Optional.of(PageTokens.decode(r.getPageToken()));
        AuditQuery query = new AuditQuery(from, until, filter(r.getPrincipal(), "principal"),
                filter(r.getKeyId(), "key_id"), type(r.getType()), filter(r.getNode(), "node"), after,
                r.getNewestFirst(), limit, filter(r.getKmsRequestId(), "kms_request_id"),
                filter(r.getAwsPrincipalArn(), "aws_principal_arn", MAX_ARN_FILTER),
                filter(r.getXksKeyStore(), "xks_key_store"));
        List<ChainedEvent> events = store.query(query, bounds);
        QueryAuditEventsResponse.Builder response = QueryAuditEventsResponse.newBuilder();
        events.forEach(e -> response.addEvents(message(e)));
        if (events.isEmpty()) {
            response.setResumeToken(r.getNewestFirst() ? "" : r.getPageToken());
        } else {
            String lastToken = token(events.get(events.size() - 1));
            response.setResumeToken(r.getNewestFirst() ? token(events.get(0)) : lastToken);
            if (events.size() == limit) {
                response.setNextPageToken(lastToken);
            }
        }
        return response.build();
    }

    private static String token(ChainedEvent event) {
        return PageTokens.encode(new AuditQuery.Position(
                coffre.kms.server.audit.ChainHash.micros(event.readable() ? event.event().time() : Instant.EPOCH),
                event.node(), event.sequence()));
    }

    /**
     * Asks officers to prune: what is already known to be wrong is refused now and creates no
     * request; the prune itself runs, checked again, when the quorum approves.
     */
    static PruneAuditChainResponse prune(AuditRetention retention, ApprovalGate approvals, Principal caller,
                                         PruneAuditChainRequest r) {
        approvals.requireInitialized();
        retention.check(r.getNode(), r.getThroughSequence(), r.getArchiveSha256().toByteArray());
        coffre.kms.v1.Operation operation = coffre.kms.v1.Operation.newBuilder().setPruneAudit(PruneAuditOperation
                .newBuilder().setNode(r.getNode()).setThroughSequence(r.getThroughSequence())
                .setArchiveSha256(r.getArchiveSha256())).build();
        return PruneAuditChainResponse.newBuilder().setApprovalRequest(QuorumMessages.request(approvals.submit(operation, caller))).build();
    }

    /**
     * A page of one chain in sequence order, with the checkpoints of its events (and, on the first
     * page, the one at the prune anchor and the anchor itself): what an archive holds.
     */
    static ReadAuditChainResponse readChain(AuditStore store, ReadAuditChainRequest r, CallBounds bounds) {
        if (r.getNode().isEmpty() || r.getNode().length() > 64) {
            throw invalid("node must be 1 to 64 characters", "node");
        }
        if (r.getPageSize() > AuditQuery.MAX_LIMIT) {
            throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_size is at most " + AuditQuery.MAX_LIMIT,
                    Map.of("field", "page_size"));
        }
        int limit = r.getPageSize() == 0 ? AuditQuery.MAX_LIMIT : r.getPageSize();
        // uint64 above 2^63 arrives negative: past any chain's end.
        long after = r.getAfterSequence() < 0 ? Long.MAX_VALUE : r.getAfterSequence();
        ReadAuditChainResponse.Builder response = ReadAuditChainResponse.newBuilder();
        Optional<AuditAnchor> anchor = store.anchor(r.getNode());
        long start = anchor.map(AuditAnchor::sequence).orElse(0L);
        if (after <= start) {
            anchor.ifPresent(a -> response.setAnchor(anchor(a)));
        }
        List<ChainedEvent> events = after == Long.MAX_VALUE ? List.of()
                : store.chain(r.getNode(), Math.max(after, start), limit, bounds);
        events.forEach(e -> response.addEvents(message(e)));
        if (!events.isEmpty()) {
            long from = Math.max(after, start) - (after <= start && start > 0 ? 1 : 0);
            long to = events.get(events.size() - 1).sequence();
            long cursor = from;
            while (true) {
                List<AuditCheckpoint> page = store.checkpoints(r.getNode(), cursor, 1000);
                for (var c : page) {
                    if (c.sequence() <= to) {
                        response.addCheckpoints(checkpoint(c));
                    }
                }
                if (page.size() < 1000 || page.get(page.size() - 1).sequence() >= to) {
                    break;
                }
                cursor = page.get(page.size() - 1).sequence();
            }
        }
        return response.build();
    }

    static AuditCheckpointRecord checkpoint(AuditCheckpoint c) {
        return AuditCheckpointRecord.newBuilder().setNode(c.node()).setSequence(c.sequence()).setHeadHash(c.headHash())
                .setTime(timestamp(c.time())).setMac(c.mac()).build();
    }

    static AuditAnchorRecord anchor(AuditAnchor a) {
        return AuditAnchorRecord.newBuilder().setNode(a.node()).setSequence(a.sequence()).setHash(a.hash())
                .setPrunedTime(timestamp(a.prunedAt())).setCheckpointSequence(a.checkpointSequence())
                .setArchiveSha256(a.archiveSha256()).setMac(a.mac()).build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static VerifyAuditChainResponse verify(AuditVerifier verifier, String node) {
        return verify(verifier, node, CallBounds.NONE);
    }

    static VerifyAuditChainResponse verify(AuditVerifier verifier, String node, CallBounds bounds) {
        return verify(verifier, node, bounds, AuditVerifier.Progress.NONE);
    }

    static VerifyAuditChainResponse verify(AuditVerifier verifier, String node, CallBounds bounds,
                                           AuditVerifier.Progress progress) {
        if (node.length() > 64) {
            throw invalid("node is at most 64 characters", "node");
        }
        List<ChainReport> reports = node.isEmpty() ? verifier.verifyAll(bounds, progress)
                : List.of(verifier.verify(node, bounds, progress));
        VerifyAuditChainResponse.Builder response = VerifyAuditChainResponse.newBuilder()
                .setValid(reports.stream().allMatch(ChainReport::valid));
        for (ChainReport report : reports) {
            ChainVerification.Builder chain = ChainVerification.newBuilder();
            if (report.start() != null) {
                chain.setStart(anchor(report.start()));
            }
            response.addChains(chain
                    .setNode(report.node())
                    .setValid(report.valid())
                    .setEventsChecked(report.eventsChecked())
                    .setCheckpointsChecked(report.checkpointsChecked())
                    .setAnchoredThrough(report.anchoredThrough())
                    .setFirstBadSequence(report.firstBad())
                    .setProblem(report.valid() ? "" : report.problem().name())
                    .setDetail(report.detail()));
        }
        return response.build();
    }

    /** The wire form of a stored event; an unreadable row shows as type {@code UNREADABLE}. */
    static AuditEvent message(ChainedEvent chained) {
        AuditEvent.Builder b = AuditEvent.newBuilder()
                .setNode(chained.node())
                .setSequence(chained.sequence())
                .setPreviousHash(chained.previousHash())
                .setHash(chained.hash());
        if (!chained.readable()) {
            return b.setType("UNREADABLE").build();
        }
        var e = chained.event();
        return b.setTime(Timestamp.newBuilder().setSeconds(e.time().getEpochSecond()).setNanos(e.time().getNano()))
                .setType(e.type().name())
                .setPrincipal(e.principal())
                .setKeyId(e.keyId())
                .setKeyVersion(e.keyVersion())
                .setDecision(e.decision().name())
                .setReason(e.reasonName())
                .setRequestId(e.requestId())
                .setTarget(e.target())
                .setDetail(e.detail())
                .setContextSha256(e.contextSha256())
                .setLatencyMicros(e.latencyMicros())
                .build();
    }

    private static Optional<String> filter(String value, String field) {
        return filter(value, field, MAX_FILTER);
    }

    private static Optional<String> filter(String value, String field, int max) {
        if (value.length() > max) {
            throw invalid(field + " is at most " + max + " characters", field);
        }
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<AuditEventType> type(String name) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(AuditEventType.valueOf(name));
        } catch (IllegalArgumentException e) {
            throw invalid("type is not an audit event type (e.g. WRAP, UNWRAP, VOTE, NODE_STARTED)", "type");
        }
    }

    private static Instant instant(Timestamp t, String field) {
        if (t.getNanos() < 0 || t.getNanos() > 999_999_999 || t.getSeconds() < 0 || t.getSeconds() > 253_402_300_799L) {
            throw invalid(field + " is not a valid time", field);
        }
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static KmsException invalid(String message, String field) {
        return new KmsException(ErrorReason.INVALID_AUDIT_QUERY, message, Map.of("field", field));
    }

    /** Page tokens: base64url of "micros/sequence/node"; anything else is refused. */
    static final class PageTokens {
        private PageTokens() {
        }

        static String encode(AuditQuery.Position p) {
            String text = p.timeMicros() + "/" + p.sequence() + "/" + p.node();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }

        static AuditQuery.Position decode(String token) {
            try {
                if (token.length() > 200) {
                    throw new IllegalArgumentException("too long");
                }
                String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                String[] parts = text.split("/", 3);
                if (parts.length != 3 || parts[2].isEmpty()) {
                    throw new IllegalArgumentException("shape");
                }
                return new AuditQuery.Position(Long.parseLong(parts[0]), parts[2], Long.parseLong(parts[1]));
            } catch (IllegalArgumentException e) {
                throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_token was not issued by this service",
                        Map.of("field", "page_token"));
            }
        }
    }
}
