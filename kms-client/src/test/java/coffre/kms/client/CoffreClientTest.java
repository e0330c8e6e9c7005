package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CoffreClient} against an in-process CryptoService: what it sends, returns and throws. */
class CoffreClientTest {
    private static final Path UNUSED = Path.of("never-read.pem");
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
    private static final ByteString ENVELOPE = ByteString.copyFrom(new byte[] {1, 2, 3, 4});
    private static final ByteString PLAINTEXT = ByteString.copyFromUtf8("test plaintext");

    private final String name = "coffre-client-test-" + UUID.randomUUID();
    private final FakeCrypto crypto = new FakeCrypto();
    private final List<ConnectionSettings> openedWith = Collections.synchronizedList(new ArrayList<>());
    private Server server;

    @BeforeEach
    void start() throws IOException {
        server = InProcessServerBuilder.forName(name).addService(crypto).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private CoffreClient.Builder builder() {
        return CoffreClient.builder().endpoints("kms-a.test:8443,kms-b.test:8443").tls(UNUSED, UNUSED, UNUSED)
                .channelFactory(settings -> {
                    openedWith.add(settings);
                    return InProcessChannelBuilder.forName(name).build();
                });
    }

    @Test
    void theDataPlaneCallsSendWhatTheyAreGivenAndReturnTheAnswer() throws Exception {
        try (CoffreClient client = builder().build()) {
            WrapResponse wrapped = client.wrap("alias/billing", "data key".getBytes(StandardCharsets.UTF_8), CONTEXT);
            UnwrapResponse opened = client.unwrap(ENVELOPE.toByteArray(), CONTEXT);
            GenerateDataKeyResponse dataKey = client.generateDataKey("alias/billing", 16, CONTEXT);
            RewrapResponse rewrapped = client.rewrap(ENVELOPE.toByteArray(), CONTEXT);
            client.rewrap(RewrapRequest.newBuilder().setEnvelope(ENVELOPE).setTargetKeyId("alias/other").build());

            assertEquals(ENVELOPE, wrapped.getEnvelope());
            assertEquals(PLAINTEXT, opened.getPlaintext());
            assertEquals(PLAINTEXT, dataKey.getPlaintext());
            assertEquals(ENVELOPE, rewrapped.getEnvelope());
        }
        assertEquals(List.of(
                WrapRequest.newBuilder().setKeyId("alias/billing").setPlaintext(ByteString.copyFromUtf8("data key"))
                        .putAllEncryptionContext(CONTEXT).build(),
                UnwrapRequest.newBuilder().setEnvelope(ENVELOPE).putAllEncryptionContext(CONTEXT).build(),
                GenerateDataKeyRequest.newBuilder().setKeyId("alias/billing").setLengthBytes(16)
                        .putAllEncryptionContext(CONTEXT).build(),
                RewrapRequest.newBuilder().setEnvelope(ENVELOPE).putAllEncryptionContext(CONTEXT).build(),
                RewrapRequest.newBuilder().setEnvelope(ENVELOPE).setTargetKeyId("alias/other").build()),
                crypto.requests);
    }

    @Test
    void theChannelFactoryIsGivenTheBuildersSettings() throws Exception {
        try (CoffreClient client = builder().deadline(Duration.ofSeconds(3)).authority("kms.test").build()) {
            assertEquals(Duration.ofSeconds(3), client.deadline());
            assertEquals(Duration.ofSeconds(3), client.stubs().deadline());
        }
        assertEquals(List.of(new ConnectionSettings(Endpoints.parse("kms-a.test:8443,kms-b.test:8443"), UNUSED, UNUSED,
                UNUSED, Duration.ofSeconds(3), Optional.of("kms.test"))), openedWith);
    }

    @Test
    void theDefaultDeadlineIsTenSeconds() throws Exception {
        try (CoffreClient client = builder().build()) {
            assertEquals(Duration.ofSeconds(10), client.deadline());
        }
    }

    @Test
    void aRefusalIsThrownAsTheTypeOfItsReason() throws Exception {
        crypto.failWith = CoffreErrorsTest.coffre(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED",
                Map.of("key_id", "key-x"));
        try (CoffreClient client = builder().build()) {
            KeyStateException e = assertThrows(KeyStateException.class, () -> client.wrap("key-x", new byte[1], Map.of()));

            assertEquals("KEY_DISABLED", e.reason());
            assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
            assertEquals(Map.of("key_id", "key-x"), e.metadata());
            assertEquals("the server's words", e.serverMessage());
        }
    }

    @Test
    void eachCallEndsAtTheDeadline() throws Exception {
        crypto.hold = true;
        try (CoffreClient client = builder().deadline(Duration.ofMillis(300)).build()) {
            long start = System.nanoTime();
            UnavailableException e = assertThrows(UnavailableException.class,
                    () -> client.unwrap(ENVELOPE.toByteArray(), CONTEXT));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
            assertEquals("", e.reason());
            assertTrue(tookMillis >= 250 && tookMillis < 5000, tookMillis + " ms");
            assertTrue(crypto.deadlines.get(0) <= 300, crypto.deadlines + " ms left on the server");
        }
    }

    @Test
    void closeCancelsTheCallsInProgress() throws Exception {
        crypto.hold = true;
        CoffreClient client = builder().deadline(Duration.ofSeconds(30)).build();
        CompletableFuture<WrapResponse> call = CompletableFuture.supplyAsync(() -> client.wrap("k", new byte[1], Map.of()));
        assertTrue(crypto.arrived.await(5, TimeUnit.SECONDS), "the call never reached the server");

        client.close();

        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));
        assertInstanceOf(UnavailableException.class, e.getCause());
        client.close();
    }

    @Test
    void theStubsAreThoseOfTheClientsChannelAndStayPlainGrpc() throws Exception {
        try (CoffreClient client = builder().build()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.stubs().keys().getKey(GetKeyRequest.newBuilder().setKeyId("key-x").build()));

            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
            assertEquals(CoffreException.class, CoffreErrors.toException(e).getClass());
            assertEquals(ENVELOPE, CryptoServiceGrpc.newBlockingStub(client.channel())
                    .wrap(WrapRequest.getDefaultInstance()).getEnvelope());
        }
    }

    @Test
    void theBuilderRefusesWhatCannotWork() {
        IllegalStateException noEndpoints = assertThrows(IllegalStateException.class,
                () -> CoffreClient.builder().tls(UNUSED, UNUSED, UNUSED).build());
        IllegalStateException noTls = assertThrows(IllegalStateException.class,
                () -> CoffreClient.builder().endpoints("kms.test:8443").build());
        IllegalArgumentException badEndpoint = assertThrows(IllegalArgumentException.class,
                () -> CoffreClient.builder().endpoints("kms.test"));
        IllegalArgumentException zeroDeadline = assertThrows(IllegalArgumentException.class,
                () -> CoffreClient.builder().deadline(Duration.ZERO));
        IllegalArgumentException blankAuthority = assertThrows(IllegalArgumentException.class,
                () -> CoffreClient.builder().authority(" "));

        assertEquals("no endpoints: call endpoints(\"host:port[,host:port...]\")", noEndpoints.getMessage());
        assertEquals("no TLS material (Coffre always uses mutual TLS): call tls(caCert, cert, key)", noTls.getMessage());
        assertEquals("'kms.test' is not host:port (IPv6 literals go in brackets: [::1]:8443)", badEndpoint.getMessage());
        assertEquals("the deadline must be positive, got PT0S", zeroDeadline.getMessage());
        assertEquals("the authority must not be blank", blankAuthority.getMessage());
    }

    @Test
    void pemFilesThatCannotBeReadFailTheBuildNamingThem(@TempDir Path dir) {
        Path missing = dir.resolve("missing.pem");

        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> CoffreClient.builder()
                .endpoints("127.0.0.1:8443").tls(missing, missing, missing).build());

        assertTrue(e.getMessage().startsWith("cannot load TLS material (ca-cert " + missing), e.getMessage());
    }

    /** Answers every call with fixed bytes, or an error, or not at all; records requests and deadlines. */
    private static final class FakeCrypto extends CryptoServiceGrpc.CryptoServiceImplBase {
        final List<Message> requests = Collections.synchronizedList(new ArrayList<>());
        final List<Long> deadlines = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch arrived = new CountDownLatch(1);
        volatile StatusRuntimeException failWith;
        volatile boolean hold;

        private <A> void answer(Message request, StreamObserver<A> observer, A answer) {
            requests.add(request);
            if (Context.current().getDeadline() != null) {
                deadlines.add(Context.current().getDeadline().timeRemaining(TimeUnit.MILLISECONDS));
            }
            arrived.countDown();
            if (hold) {
                return;
            }
            if (failWith != null) {
                observer.onError(failWith);
                return;
            }
            observer.onNext(answer);
            observer.onCompleted();
        }

        @Override
        public void wrap(WrapRequest request, StreamObserver<WrapResponse> observer) {
            answer(request, observer, WrapResponse.newBuilder().setEnvelope(ENVELOPE).setKeyId("key-x").build());
        }

        @Override
        public void unwrap(UnwrapRequest request, StreamObserver<UnwrapResponse> observer) {
            answer(request, observer, UnwrapResponse.newBuilder().setPlaintext(PLAINTEXT).setKeyId("key-x").build());
        }

        @Override
        public void generateDataKey(GenerateDataKeyRequest request, StreamObserver<GenerateDataKeyResponse> observer) {
            answer(request, observer, GenerateDataKeyResponse.newBuilder().setPlaintext(PLAINTEXT).setEnvelope(ENVELOPE)
                    .build());
        }

        @Override
        public void rewrap(RewrapRequest request, StreamObserver<RewrapResponse> observer) {
            answer(request, observer, RewrapResponse.newBuilder().setEnvelope(ENVELOPE).build());
        }
    }
}
