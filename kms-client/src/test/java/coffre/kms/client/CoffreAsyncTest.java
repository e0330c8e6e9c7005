package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link CoffreAsync} against an in-process CryptoService, and its coverage of the API. */
class CoffreAsyncTest {
    private static final Path UNUSED = Path.of("never-read.pem");
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
    private static final ByteString ENVELOPE = ByteString.copyFrom(new byte[] {1, 2, 3, 4});
    private static final ByteString PLAINTEXT = ByteString.copyFromUtf8("test plaintext");

    private final String name = "coffre-async-test-" + UUID.randomUUID();
    private final Crypto crypto = new Crypto();
    private Server server;

    @BeforeEach
    void start() throws Exception {
        server = InProcessServerBuilder.forName(name).addService(crypto).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private CoffreClient client(Duration deadline) throws TlsMaterialException {
        return CoffreClient.builder().endpoints("kms.test:8443").tls(UNUSED, UNUSED, UNUSED).deadline(deadline)
                .channelFactory(settings -> InProcessChannelBuilder.forName(name).build()).build();
    }

    static List<MethodDescriptor<?, ?>> rpcs() {
        List<MethodDescriptor<?, ?>> all = new ArrayList<>();
        for (ServiceDescriptor service : List.of(CryptoServiceGrpc.getServiceDescriptor(),
                KeyServiceGrpc.getServiceDescriptor())) {
            all.addAll(service.getMethods());
        }
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rpcs")
    void everyCryptoAndKeyServiceRpcHasAnAsyncMethod(MethodDescriptor<?, ?> rpc) throws Exception {
        String bare = rpc.getBareMethodName();
        String javaName = Character.toLowerCase(bare.charAt(0)) + bare.substring(1);
        Class<?> requestType = Class.forName("coffre.kms.v1." + bare + "Request");

        Method method = CoffreAsync.class.getMethod(javaName, requestType);

        assertEquals(CompletableFuture.class, method.getReturnType(), rpc.getFullMethodName());
    }

    @Test
    void theDataPlaneCallsCompleteWithTheAnswers() throws Exception {
        try (CoffreClient client = client(Duration.ofSeconds(5))) {
            CoffreAsync async = client.async();
            CompletableFuture<WrapResponse> wrapped = async.wrap("alias/billing", new byte[] {9}, CONTEXT);
            CompletableFuture<UnwrapResponse> opened = async.unwrap(ENVELOPE.toByteArray(), CONTEXT);
            CompletableFuture<GenerateDataKeyResponse> dataKey = async.generateDataKey("alias/billing", 16, CONTEXT);
            CompletableFuture<RewrapResponse> rewrapped = async.rewrap(ENVELOPE.toByteArray(), CONTEXT);

            assertEquals(ENVELOPE, wrapped.get(5, TimeUnit.SECONDS).getEnvelope());
            assertEquals(PLAINTEXT, opened.get(5, TimeUnit.SECONDS).getPlaintext());
            assertEquals(PLAINTEXT, dataKey.get(5, TimeUnit.SECONDS).getPlaintext());
            assertEquals(ENVELOPE, rewrapped.get(5, TimeUnit.SECONDS).getEnvelope());
            assertEquals(WrapRequest.newBuilder().setKeyId("alias/billing").setPlaintext(ByteString.copyFrom(new byte[] {9}))
                    .putAllEncryptionContext(CONTEXT).build(), crypto.wrapRequests.get(0));
        }
    }

    @Test
    void aRefusalCompletesTheFutureWithTheTypeOfItsReason() throws Exception {
        crypto.failWith = CoffreErrorsTest.coffre(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", Map.of("key_id", "k"));
        try (CoffreClient client = client(Duration.ofSeconds(5))) {
            CompletableFuture<WrapResponse> call = client.async().wrap("k", new byte[1], Map.of());

            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));

            KeyStateException typed = assertInstanceOf(KeyStateException.class, e.getCause());
            assertEquals("KEY_DISABLED", typed.reason());
            assertEquals(Map.of("key_id", "k"), typed.metadata());
        }
    }

    @Test
    void aCallEndsAtTheDeadline() throws Exception {
        crypto.hold = true;
        try (CoffreClient client = client(Duration.ofMillis(300))) {
            CompletableFuture<UnwrapResponse> call = client.async().unwrap(ENVELOPE.toByteArray(), CONTEXT);

            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));

            assertEquals(Status.Code.DEADLINE_EXCEEDED, assertInstanceOf(UnavailableException.class, e.getCause()).code());
        }
    }

    @Test
    void cancellingTheFutureCancelsTheCall() throws Exception {
        crypto.hold = true;
        try (CoffreClient client = client(Duration.ofSeconds(30))) {
            CompletableFuture<UnwrapResponse> call = client.async().unwrap(ENVELOPE.toByteArray(), CONTEXT);
            assertTrue(crypto.arrived.await(5, TimeUnit.SECONDS), "the call never reached the server");

            call.cancel(true);

            assertTrue(crypto.cancelled.await(5, TimeUnit.SECONDS), "the server never saw the cancellation");
        }
    }

    /** Answers with fixed bytes, an error, or not at all; records wraps, arrivals and cancellations. */
    private static final class Crypto extends CryptoServiceGrpc.CryptoServiceImplBase {
        final List<WrapRequest> wrapRequests = new ArrayList<>();
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch cancelled = new CountDownLatch(1);
        volatile StatusRuntimeException failWith;
        volatile boolean hold;

        private <A> void answer(StreamObserver<A> observer, A answer) {
            Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
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
            wrapRequests.add(request);
            answer(observer, WrapResponse.newBuilder().setEnvelope(ENVELOPE).build());
        }

        @Override
        public void unwrap(UnwrapRequest request, StreamObserver<UnwrapResponse> observer) {
            answer(observer, UnwrapResponse.newBuilder().setPlaintext(PLAINTEXT).build());
        }

        @Override
        public void generateDataKey(GenerateDataKeyRequest request, StreamObserver<GenerateDataKeyResponse> observer) {
            answer(observer, GenerateDataKeyResponse.newBuilder().setPlaintext(PLAINTEXT).setEnvelope(ENVELOPE).build());
        }

        @Override
        public void rewrap(RewrapRequest request, StreamObserver<RewrapResponse> observer) {
            answer(observer, RewrapResponse.newBuilder().setEnvelope(ENVELOPE).build());
        }
    }
}
