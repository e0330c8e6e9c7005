package coffre.kms.cli;

import coffre.kms.cli.connection.ChannelFactory;
import coffre.kms.cli.connection.ConnectionSettings;
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
 * An in-process stand-in for a Coffre server: KeyService and CryptoService answer with canned
 * messages, record every request, and can be told to fail the next call with a rich error built
 * the way the real server builds them (google.rpc.Status with an ErrorInfo detail).
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

    private final String name = "fake-kms-" + UUID.randomUUID();
    private final Server server;
    private final List<Message> requests = Collections.synchronizedList(new ArrayList<>());
    private final Deque<ListKeysResponse> pages = new ArrayDeque<>();
    private final List<ConnectionSettings> openedWith = Collections.synchronizedList(new ArrayList<>());
    private volatile StatusRuntimeException nextError;
    private volatile boolean silent;

    /** A fake reachable through {@link #channels()} only, in-process. */
    FakeKms() throws IOException {
        this(InProcessServerBuilder.forName("unused").directExecutor(), true);
    }

    private FakeKms(ServerBuilder<?> builder, boolean inProcess) throws IOException {
        ServerBuilder<?> named = inProcess ? InProcessServerBuilder.forName(name).directExecutor() : builder;
        server = named.addService(new Keys()).addService(new Crypto()).build().start();
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

    private final class Keys extends KeyServiceGrpc.KeyServiceImplBase {
        @Override
        public void createKey(CreateKeyRequest request, StreamObserver<CreateKeyResponse> observer) {
            answer(request, CreateKeyResponse.newBuilder().setKey(KEY).build(), observer);
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
            answer(request, RotateKeyResponse.newBuilder().setKey(KEY).build(), observer);
        }

        @Override
        public void disableKey(DisableKeyRequest request, StreamObserver<DisableKeyResponse> observer) {
            answer(request, DisableKeyResponse.newBuilder().setKey(KEY.toBuilder().setState(KeyState.DISABLED)).build(),
                    observer);
        }

        @Override
        public void enableKey(EnableKeyRequest request, StreamObserver<EnableKeyResponse> observer) {
            answer(request, EnableKeyResponse.newBuilder().setKey(KEY).build(), observer);
        }

        @Override
        public void scheduleKeyDeletion(ScheduleKeyDeletionRequest request,
                StreamObserver<ScheduleKeyDeletionResponse> observer) {
            Key pending = KEY.toBuilder().setState(KeyState.PENDING_DELETION).setDeletionTime(ts(1_770_000_000L)).build();
            answer(request, ScheduleKeyDeletionResponse.newBuilder().setKey(pending).build(), observer);
        }

        @Override
        public void cancelKeyDeletion(CancelKeyDeletionRequest request,
                StreamObserver<CancelKeyDeletionResponse> observer) {
            answer(request, CancelKeyDeletionResponse.newBuilder().setKey(KEY.toBuilder().setState(KeyState.DISABLED))
                    .build(), observer);
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
    }
}
