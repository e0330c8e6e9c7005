package coffre.kms.cli;

import coffre.kms.client.ChannelFactory;
import coffre.kms.client.ConnectionSettings;
import coffre.kms.v1.AddOfficerRequest;
import coffre.kms.v1.AddOfficerResponse;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.CreateGrantResponse;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.GetApprovalRequestResponse;
import coffre.kms.v1.GetCeremonyStatusRequest;
import coffre.kms.v1.GetCeremonyStatusResponse;
import coffre.kms.v1.Grant;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.InitCeremonyResponse;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.ListApprovalRequestsRequest;
import coffre.kms.v1.ListApprovalRequestsResponse;
import coffre.kms.v1.ListGrantsRequest;
import coffre.kms.v1.ListGrantsResponse;
import coffre.kms.v1.ListOfficersRequest;
import coffre.kms.v1.ListOfficersResponse;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.Operation;
import coffre.kms.v1.AddOfficerOperation;
import coffre.kms.v1.CreateGrantOperation;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.ReinstateOfficerRequest;
import coffre.kms.v1.ReinstateOfficerResponse;
import coffre.kms.v1.RemoveOfficerRequest;
import coffre.kms.v1.RemoveOfficerResponse;
import coffre.kms.v1.RevokeGrantRequest;
import coffre.kms.v1.RevokeGrantResponse;
import coffre.kms.v1.ScheduleKeyDeletionOperation;
import coffre.kms.v1.SetAccessPolicyOperation;
import coffre.kms.v1.SetAccessPolicyRequest;
import coffre.kms.v1.SetAccessPolicyResponse;
import coffre.kms.v1.SetApprovalPolicyOperation;
import coffre.kms.v1.SetApprovalPolicyRequest;
import coffre.kms.v1.SetApprovalPolicyResponse;
import coffre.kms.v1.SetQuorumRuleRequest;
import coffre.kms.v1.SetQuorumRuleResponse;
import coffre.kms.v1.SuspendOfficerRequest;
import coffre.kms.v1.SuspendOfficerResponse;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.VoteResponse;
import coffre.kms.v1.WatchApprovalRequestsRequest;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.LinkedHashMap;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CancelKeyDeletionResponse;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.EnableKeyResponse;
import coffre.kms.v1.ErrorReason;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.KeyVersion;
import coffre.kms.v1.KeyVersionState;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import coffre.kms.v1.ProtectionLevel;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.RotateKeyResponse;
import coffre.kms.v1.ScheduleKeyDeletionRequest;
import coffre.kms.v1.ScheduleKeyDeletionResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for a Coffre server: every service answers with canned messages, records
 * every request, and can be told to fail the next call with a rich error built the way the real
 * server builds them (google.rpc.Status with an ErrorInfo detail). Calls that need approval answer
 * with an honest ApprovalRequest built from the request (operation bytes, their digest); approval
 * requests can also be planted, tampered with or not, for GetApprovalRequest and Vote.
 */
final class FakeKms implements AutoCloseable {

    static final Key KEY = Key.newBuilder()
            .setId("key-01hzy3k4m5n6p7q8r9s0t1v2w3")
            .setAlias("billing/main")
            .setDescription("Billing data keys")
            .putLabels("team", "billing")
            .putLabels("env", "prod")
            .setState(KeyState.ENABLED)
            .setProtectionLevel(ProtectionLevel.HSM)
            .setPrimaryVersion(2)
            .addVersions(KeyVersion.newBuilder().setVersion(1).setState(KeyVersionState.KEY_VERSION_ENABLED)
                    .setCreateTime(ts(1_750_000_000L)))
            .addVersions(KeyVersion.newBuilder().setVersion(2).setState(KeyVersionState.KEY_VERSION_ENABLED)
                    .setCreateTime(ts(1_760_000_000L)))
            .setCreateTime(ts(1_750_000_000L))
            .setUpdateTime(ts(1_760_000_000L))
            .build();

    static final ByteString ENVELOPE = ByteString.copyFrom(new byte[] {1, 0, 2, (byte) 0xfe, 3, 4, 5, 6, 7, 8});
    static final ByteString PLAINTEXT = ByteString.copyFrom("top secret", StandardCharsets.UTF_8);
    static final ByteString DATA_KEY = ByteString.copyFrom(new byte[32]);
    static final ByteString SIGNATURE = ByteString.copyFrom(new byte[] {0x30, 6, 2, 1, 1, 2, 1, 2});
    static final ByteString PUBLIC_KEY_DER = ByteString.copyFrom(new byte[] {0x30, 3, 1, 2, 3});
    static final String PUBLIC_KEY_PEM = "-----BEGIN PUBLIC KEY-----\nMAMBAgM=\n-----END PUBLIC KEY-----\n";

    private final String name = "fake-kms-" + UUID.randomUUID();
    private final Server server;
    private final List<Message> requests = Collections.synchronizedList(new ArrayList<>());
    private final Deque<ListKeysResponse> pages = new ArrayDeque<>();
    private final List<ConnectionSettings> openedWith = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, ApprovalRequest> approvals = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<ApprovalRequest> watchEvents = Collections.synchronizedList(new ArrayList<>());
    private volatile List<Officer> officers = List.of(ALICE);
    private volatile StatusRuntimeException officerListRefusal;
    private volatile boolean watchStaysOpen;
    private volatile StatusRuntimeException nextError;
    private volatile boolean silent;

    /** A fake reachable through {@link #channels()} only, in-process. */
    FakeKms() throws IOException {
        this(InProcessServerBuilder.forName("unused").directExecutor(), true);
    }

    private FakeKms(ServerBuilder<?> builder, boolean inProcess) throws IOException {
        ServerBuilder<?> named = inProcess ? InProcessServerBuilder.forName(name).directExecutor() : builder;
        server = named.addService(new Keys()).addService(new Crypto()).addService(new Approvals())
                .addService(new Officers()).build().start();
    }

    /**
     * A fake listening on a loopback TCP port with mutual TLS, as the real server does: it
     * presents {@code server} and requires a client certificate signed by {@code clientCa}.
     */
    static FakeKms overMutualTls(TestPki.Leaf server, Path clientCa) throws IOException {
        SslContext tls = GrpcSslContexts.forServer(server.cert().toFile(), server.key().toFile())
                .trustManager(clientCa.toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .build();
        return new FakeKms(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(tls), false);
    }

    /** The TCP port of a fake made by {@link #overMutualTls}. */
    int port() {
        return server.getPort();
    }

    static Timestamp ts(long seconds) {
        return Timestamp.newBuilder().setSeconds(seconds).build();
    }

    /** A channel factory for this server that records the settings each command resolved. */
    ChannelFactory channels() {
        return settings -> {
            openedWith.add(settings);
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            return channel;
        };
    }

    /** The settings of every channel opened so far. */
    List<ConnectionSettings> openedWith() {
        return List.copyOf(openedWith);
    }

    /** Every request received, in order. */
    List<Message> requests() {
        return List.copyOf(requests);
    }

    /** The one request received; fails if there were none or several. */
    Message onlyRequest() {
        List<Message> all = requests();
        if (all.size() != 1) {
            throw new AssertionError("expected one request, got " + all);
        }
        return all.get(0);
    }

    /** What ListOfficers answers; by default {@link #ALICE} alone. */
    void setOfficers(Officer... registered) {
        officers = List.of(registered);
    }

    /** Makes every ListOfficers call fail with {@code error}, as for a caller who may not list officers. */
    void refuseOfficerList(StatusRuntimeException error) {
        officerListRefusal = error;
    }

    /** Makes the next call fail with {@code error}. */
    void failNext(StatusRuntimeException error) {
        nextError = error;
    }

    /** Makes every call hang without an answer, to exercise deadlines. */
    void goSilent() {
        silent = true;
    }

    /** Queues pages for ListKeys; without queued pages it answers one page holding {@link #KEY}. */
    void addPage(ListKeysResponse page) {
        pages.add(page);
    }

    static final QuorumRule RULE = QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1).build();
    static final String REQUEST_ID = "apr-abcdefghijklmnopqrstuvwxyz";
    static final String GRANT_ID = "grt-abcdefghijklmnopqrstuvwxyz";
    static final String NEW_KEY_ID = "key-newnewnewnewnewnewnewnewne";

    /** A pending request for {@code operation} with the right digest, as the real server makes them. */
    static ApprovalRequest approvalFor(Operation operation) {
        byte[] bytes = Statements.operationBytes(operation);
        return ApprovalRequest.newBuilder()
                .setId(REQUEST_ID)
                .setOperation(ByteString.copyFrom(bytes))
                .setDigest(ByteString.copyFrom(Statements.sha256(bytes)))
                .setRequester("spiffe://coffre.test/admin")
                .setCreateTime(ts(1_760_000_000L))
                .setExpireTime(ts(1_760_086_400L))
                .setRule(RULE)
                .setState(ApprovalState.PENDING)
                .setSummary("server's own words")
                .build();
    }

    /** Makes GetApprovalRequest (and Vote) find {@code request}. */
    void putApproval(ApprovalRequest request) {
        approvals.put(request.getId(), request);
    }

    /** The requests Watch streams, in order; after them the stream ends unless {@link #keepWatchOpen()}. */
    void addWatchEvent(ApprovalRequest event) {
        watchEvents.add(event);
    }

    /** Keeps Watch streams open after their events, as a live server does. */
    void keepWatchOpen() {
        watchStaysOpen = true;
    }

    /** An error shaped like the real server's: the status code of the reason, an ErrorInfo, a message. */
    static StatusRuntimeException richError(Status.Code code, ErrorReason reason, String message, Map<String, String> metadata) {
        ErrorInfo info = ErrorInfo.newBuilder()
                .setDomain("kms.coffre.fr")
                .setReason(reason.name())
                .putAllMetadata(metadata)
                .build();
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message)
                .addDetails(Any.pack(info))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the fake server", e);
        }
    }

    private <T extends Message> void answer(Message request, T response, StreamObserver<T> observer) {
        requests.add(request);
        if (silent) {
            return;
        }
        StatusRuntimeException error = nextError;
        if (error != null) {
            nextError = null;
            observer.onError(error);
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    private <T extends Message> void approval(Message request, Operation operation, java.util.function.Function<ApprovalRequest, T> wrap,
            StreamObserver<T> observer) {
        answer(request, wrap.apply(approvalFor(operation)), observer);
    }

    private static Operation keyOp(Operation.Builder builder) {
        return builder.build();
    }

    private final class Keys extends KeyServiceGrpc.KeyServiceImplBase {
        @Override
        public void createKey(CreateKeyRequest request, StreamObserver<CreateKeyResponse> observer) {
            Operation operation = Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
                    .setAlias(request.getAlias()).setDescription(request.getDescription())
                    .putAllLabels(request.getLabelsMap()).setAccessPolicy(request.getAccessPolicy())
                    .setApprovalPolicy(request.getApprovalPolicy())).build();
            approval(request, operation, a -> CreateKeyResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void getKey(GetKeyRequest request, StreamObserver<GetKeyResponse> observer) {
            answer(request, GetKeyResponse.newBuilder().setKey(KEY).build(), observer);
        }

        @Override
        public void listKeys(ListKeysRequest request, StreamObserver<ListKeysResponse> observer) {
            ListKeysResponse page = pages.isEmpty() ? ListKeysResponse.newBuilder().addKeys(KEY).build() : pages.poll();
            answer(request, page, observer);
        }

        @Override
        public void rotateKey(RotateKeyRequest request, StreamObserver<RotateKeyResponse> observer) {
            approval(request, keyOp(Operation.newBuilder().setRotateKey(KeyOperation.newBuilder().setKeyId(request.getKeyId()))),
                    a -> RotateKeyResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void disableKey(DisableKeyRequest request, StreamObserver<DisableKeyResponse> observer) {
            answer(request, DisableKeyResponse.newBuilder().setKey(KEY.toBuilder().setState(KeyState.DISABLED)).build(),
                    observer);
        }

        @Override
        public void enableKey(EnableKeyRequest request, StreamObserver<EnableKeyResponse> observer) {
            approval(request, keyOp(Operation.newBuilder().setEnableKey(KeyOperation.newBuilder().setKeyId(request.getKeyId()))),
                    a -> EnableKeyResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void scheduleKeyDeletion(ScheduleKeyDeletionRequest request,
                StreamObserver<ScheduleKeyDeletionResponse> observer) {
            approval(request, Operation.newBuilder().setScheduleKeyDeletion(ScheduleKeyDeletionOperation.newBuilder()
                            .setKeyId(request.getKeyId()).setPendingWindowDays(request.getPendingWindowDays())).build(),
                    a -> ScheduleKeyDeletionResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void cancelKeyDeletion(CancelKeyDeletionRequest request,
                StreamObserver<CancelKeyDeletionResponse> observer) {
            approval(request, keyOp(Operation.newBuilder().setCancelKeyDeletion(KeyOperation.newBuilder().setKeyId(request.getKeyId()))),
                    a -> CancelKeyDeletionResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void setAccessPolicy(SetAccessPolicyRequest request, StreamObserver<SetAccessPolicyResponse> observer) {
            approval(request, Operation.newBuilder().setSetAccessPolicy(SetAccessPolicyOperation.newBuilder()
                            .setKeyId(request.getKeyId()).setAccessPolicy(request.getAccessPolicy())).build(),
                    a -> SetAccessPolicyResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void setApprovalPolicy(SetApprovalPolicyRequest request, StreamObserver<SetApprovalPolicyResponse> observer) {
            approval(request, Operation.newBuilder().setSetApprovalPolicy(SetApprovalPolicyOperation.newBuilder()
                            .setKeyId(request.getKeyId()).setApprovalPolicy(request.getApprovalPolicy())).build(),
                    a -> SetApprovalPolicyResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void createGrant(CreateGrantRequest request, StreamObserver<CreateGrantResponse> observer) {
            approval(request, Operation.newBuilder().setCreateGrant(CreateGrantOperation.newBuilder()
                            .setGrant(request.getGrant())).build(),
                    a -> CreateGrantResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void listGrants(ListGrantsRequest request, StreamObserver<ListGrantsResponse> observer) {
            answer(request, ListGrantsResponse.newBuilder().addGrants(GRANT).build(), observer);
        }

        @Override
        public void revokeGrant(RevokeGrantRequest request, StreamObserver<RevokeGrantResponse> observer) {
            answer(request, RevokeGrantResponse.newBuilder()
                    .setGrant(GRANT.toBuilder().setRevoked(true).setRevokeTime(ts(1_770_000_000L))).build(), observer);
        }
    }

    static final Grant GRANT = Grant.newBuilder()
            .setId(GRANT_ID)
            .setSpec(GrantSpec.newBuilder().setKeyId(KEY.getId()).setPrincipal("spiffe://coffre.test/batch")
                    .addOperations(coffre.kms.v1.DataOperation.UNWRAP).putContextConstraints("tenant", "acme")
                    .setNotAfter(ts(1_780_000_000L)))
            .setCreateTime(ts(1_760_000_000L))
            .build();

    static final Officer ALICE = Officer.newBuilder().setId("alice").setDisplayName("Alice Martin").setOperator("op-a")
            .setPrincipal("spiffe://coffre.test/officer/alice")
            .setPublicKey(coffre.kms.v1.OfficerPublicKey.newBuilder().setAlgorithm(coffre.kms.v1.SignatureAlgorithm.ED25519)
                    .setSpkiDer(ByteString.copyFrom(java.util.Base64.getDecoder()
                            .decode("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="))))
            .setStatus(OfficerStatus.OFFICER_ACTIVE)
            .build();

    private final class Approvals extends ApprovalServiceGrpc.ApprovalServiceImplBase {
        @Override
        public void listApprovalRequests(ListApprovalRequestsRequest request,
                StreamObserver<ListApprovalRequestsResponse> observer) {
            List<ApprovalRequest> matching = approvals.values().stream()
                    .filter(a -> request.getStatesList().isEmpty() || request.getStatesList().contains(a.getState()))
                    .toList();
            answer(request, ListApprovalRequestsResponse.newBuilder().addAllRequests(matching).build(), observer);
        }

        @Override
        public void getApprovalRequest(GetApprovalRequestRequest request,
                StreamObserver<GetApprovalRequestResponse> observer) {
            ApprovalRequest found = approvals.get(request.getRequestId());
            if (found == null) {
                failNext(richError(Status.Code.NOT_FOUND, ErrorReason.APPROVAL_REQUEST_NOT_FOUND, "", Map.of()));
                found = ApprovalRequest.getDefaultInstance();
            }
            answer(request, GetApprovalRequestResponse.newBuilder().setRequest(found).build(), observer);
        }

        @Override
        public void vote(VoteRequest request, StreamObserver<VoteResponse> observer) {
            ApprovalRequest found = approvals.getOrDefault(request.getRequestId(), ApprovalRequest.getDefaultInstance());
            ApprovalRequest.Builder after = found.toBuilder().addVotes(ApprovalVote.newBuilder()
                    .setOfficerId(request.getOfficerId()).setDecision(request.getDecision())
                    .setSignedTime(request.getSignedTime()).setSignature(request.getSignature()).setCounted(true));
            long approvals = after.getVotesList().stream().filter(v -> v.getDecision() == Decision.APPROVE).count();
            if (request.getDecision() == Decision.REJECT) {
                after.setState(ApprovalState.REJECTED).setCloseTime(ts(1_760_001_000L));
            } else if (approvals >= found.getRule().getThreshold()) {
                after.setState(ApprovalState.EXECUTED).setResult(NEW_KEY_ID).setCloseTime(ts(1_760_001_000L));
            }
            answer(request, VoteResponse.newBuilder().setRequest(after).build(), observer);
        }

        @Override
        public void watch(WatchApprovalRequestsRequest request, StreamObserver<ApprovalRequest> observer) {
            requests.add(request);
            for (ApprovalRequest event : List.copyOf(watchEvents)) {
                if (request.getStatesList().isEmpty() || request.getStatesList().contains(event.getState())) {
                    observer.onNext(event);
                }
            }
            if (!watchStaysOpen) {
                observer.onCompleted();
            }
        }
    }

    private final class Officers extends OfficerServiceGrpc.OfficerServiceImplBase {
        @Override
        public void getCeremonyStatus(GetCeremonyStatusRequest request, StreamObserver<GetCeremonyStatusResponse> observer) {
            answer(request, GetCeremonyStatusResponse.newBuilder().setInitialized(true).setRule(RULE).setActiveOfficers(3)
                    .build(), observer);
        }

        @Override
        public void initCeremony(InitCeremonyRequest request, StreamObserver<InitCeremonyResponse> observer) {
            CeremonyDocument document;
            try {
                document = CeremonyDocument.parseFrom(request.getDocument());
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
            answer(request, InitCeremonyResponse.newBuilder()
                    .addAllOfficers(document.getOfficersList().stream()
                            .map(o -> o.toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build()).toList())
                    .setRule(document.getRule()).build(), observer);
        }

        @Override
        public void listOfficers(ListOfficersRequest request, StreamObserver<ListOfficersResponse> observer) {
            StatusRuntimeException refusal = officerListRefusal;
            if (refusal != null) {
                requests.add(request);
                observer.onError(refusal);
                return;
            }
            answer(request, ListOfficersResponse.newBuilder().addAllOfficers(officers).setRule(RULE).build(), observer);
        }

        @Override
        public void addOfficer(AddOfficerRequest request, StreamObserver<AddOfficerResponse> observer) {
            approval(request, Operation.newBuilder().setAddOfficer(AddOfficerOperation.newBuilder()
                            .setOfficer(request.getOfficer())).build(),
                    a -> AddOfficerResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void removeOfficer(RemoveOfficerRequest request, StreamObserver<RemoveOfficerResponse> observer) {
            approval(request, Operation.newBuilder().setRemoveOfficer(OfficerOperation.newBuilder()
                            .setOfficerId(request.getOfficerId())).build(),
                    a -> RemoveOfficerResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void suspendOfficer(SuspendOfficerRequest request, StreamObserver<SuspendOfficerResponse> observer) {
            answer(request, SuspendOfficerResponse.newBuilder().setOfficer(ALICE.toBuilder()
                    .setId(request.getOfficerId()).setStatus(OfficerStatus.OFFICER_SUSPENDED)).build(), observer);
        }

        @Override
        public void reinstateOfficer(ReinstateOfficerRequest request, StreamObserver<ReinstateOfficerResponse> observer) {
            approval(request, Operation.newBuilder().setReinstateOfficer(OfficerOperation.newBuilder()
                            .setOfficerId(request.getOfficerId())).build(),
                    a -> ReinstateOfficerResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }

        @Override
        public void setQuorumRule(SetQuorumRuleRequest request, StreamObserver<SetQuorumRuleResponse> observer) {
            approval(request, Operation.newBuilder().setSetQuorumRule(request.getRule()).build(),
                    a -> SetQuorumRuleResponse.newBuilder().setApprovalRequest(a).build(), observer);
        }
    }

    private final class Crypto extends CryptoServiceGrpc.CryptoServiceImplBase {
        @Override
        public void wrap(WrapRequest request, StreamObserver<WrapResponse> observer) {
            answer(request, WrapResponse.newBuilder().setEnvelope(ENVELOPE).setKeyId(KEY.getId()).setKeyVersion(2).build(),
                    observer);
        }

        @Override
        public void unwrap(UnwrapRequest request, StreamObserver<UnwrapResponse> observer) {
            answer(request, UnwrapResponse.newBuilder().setPlaintext(PLAINTEXT).setKeyId(KEY.getId()).setKeyVersion(1)
                    .build(), observer);
        }

        @Override
        public void generateDataKey(GenerateDataKeyRequest request, StreamObserver<GenerateDataKeyResponse> observer) {
            answer(request, GenerateDataKeyResponse.newBuilder().setPlaintext(DATA_KEY).setEnvelope(ENVELOPE)
                    .setKeyId(KEY.getId()).setKeyVersion(2).build(), observer);
        }

        @Override
        public void rewrap(RewrapRequest request, StreamObserver<RewrapResponse> observer) {
            answer(request, RewrapResponse.newBuilder().setEnvelope(ENVELOPE).setKeyId(KEY.getId()).setKeyVersion(2)
                    .setSourceKeyId(KEY.getId()).setSourceKeyVersion(1).build(), observer);
        }

        @Override
        public void getPublicKey(coffre.kms.v1.GetPublicKeyRequest request,
                                 StreamObserver<coffre.kms.v1.GetPublicKeyResponse> observer) {
            answer(request, coffre.kms.v1.GetPublicKeyResponse.newBuilder().setKeyId(KEY.getId()).setKeyVersion(2)
                    .setKeySpec(coffre.kms.v1.KeySpec.EC_P256).setKeyUsage(coffre.kms.v1.KeyUsage.SIGN_VERIFY)
                    .setPublicKeyDer(PUBLIC_KEY_DER).setPublicKeyPem(PUBLIC_KEY_PEM)
                    .setSigningAlgorithm(coffre.kms.v1.SigningAlgorithm.ECDSA_SHA_256).build(), observer);
        }

        @Override
        public void asymmetricDecrypt(coffre.kms.v1.AsymmetricDecryptRequest request,
                                      StreamObserver<coffre.kms.v1.AsymmetricDecryptResponse> observer) {
            answer(request, coffre.kms.v1.AsymmetricDecryptResponse.newBuilder().setPlaintext(PLAINTEXT)
                    .setKeyId(KEY.getId()).setKeyVersion(1).build(), observer);
        }

        @Override
        public void sign(coffre.kms.v1.SignRequest request, StreamObserver<coffre.kms.v1.SignResponse> observer) {
            answer(request, coffre.kms.v1.SignResponse.newBuilder().setSignature(SIGNATURE).setKeyId(KEY.getId())
                    .setKeyVersion(2).setAlgorithm(coffre.kms.v1.SigningAlgorithm.ECDSA_SHA_256).build(), observer);
        }

        @Override
        public void verify(coffre.kms.v1.VerifyRequest request, StreamObserver<coffre.kms.v1.VerifyResponse> observer) {
            answer(request, coffre.kms.v1.VerifyResponse.newBuilder().setValid(request.getSignature().equals(SIGNATURE))
                    .setKeyId(KEY.getId()).setKeyVersion(request.getKeyVersion() == 0 ? 2 : request.getKeyVersion())
                    .setAlgorithm(coffre.kms.v1.SigningAlgorithm.ECDSA_SHA_256).build(), observer);
        }
    }
}
