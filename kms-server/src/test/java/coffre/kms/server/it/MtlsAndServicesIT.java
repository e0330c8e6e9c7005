package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.ListKeysRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may connect, and the standard health and reflection services: on the mTLS port only with a
 * client certificate; health also on the plaintext health port, for probes.
 */
class MtlsAndServicesIT {
    @TempDir
    static Path dir;
    static TestServer node;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void callerWithoutCertificateIsUnauthenticated() {
        ManagedChannel anonymous = node.channelFor(null);
        Errors.expect(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED_PRINCIPAL",
                () -> KeyServiceGrpc.newBlockingStub(anonymous).listKeys(ListKeysRequest.getDefaultInstance()));
        // Authentication comes first, whatever the size of the message.
        Errors.expect(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED_PRINCIPAL",
                () -> coffre.kms.v1.CryptoServiceGrpc.newBlockingStub(anonymous).wrap(coffre.kms.v1.WrapRequest
                        .newBuilder().setKeyId("alias/x").setPlaintext(com.google.protobuf.ByteString.copyFrom(
                                new byte[70_000])).build()));
    }

    /** An untrusted chain is never read for a principal, even one naming an administrator. */
    @Test
    void certificateFromAnUnknownCaIsNotAnIdentity() {
        TestPki rogue = TestPki.create(dir.resolve("rogue"), "rogue");
        TestPki.Issued impostor = rogue.clientWithUri("impostor", TestServer.ADMIN);
        Errors.expect(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED_PRINCIPAL", () -> KeyServiceGrpc
                .newBlockingStub(node.channelFor(impostor)).createKey(CreateKeyRequest.getDefaultInstance()));
        assertEquals(0, KeyServiceGrpc.newBlockingStub(node.channelFor(node.pki().clientWithUri("admin", TestServer.ADMIN)))
                .listKeys(ListKeysRequest.getDefaultInstance()).getKeysCount(), "nothing was created");
    }

    @Test
    void principalWithoutRightsIsDenied() {
        TestPki.Issued stranger = node.pki().clientWithCn("stranger", "some-other-team");
        Errors.Seen seen = Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> KeyServiceGrpc.newBlockingStub(node.channelFor(stranger)).listKeys(ListKeysRequest.getDefaultInstance()));
        assertTrue(seen.message().contains("some-other-team"), seen.message());
    }

    /**
     * On the mTLS port every call needs a client certificate, the standard services too: without
     * one, health and reflection answer UNAUTHENTICATED with Coffre's ErrorInfo (they used to answer
     * SERVING and list every service).
     */
    @Test
    void withoutCertificateHealthAndReflectionAreRefusedOnTheMtlsPort() throws Exception {
        ManagedChannel anonymous = node.channelFor(null);
        Errors.expect(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED_PRINCIPAL", () -> HealthGrpc.newBlockingStub(anonymous)
                .withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
        CompletableFuture<Throwable> refused = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(anonymous)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        refused.completeExceptionally(new AssertionError("reflection answered: " + response));
                    }

                    @Override
                    public void onError(Throwable t) {
                        refused.complete(t);
                    }

                    @Override
                    public void onCompleted() {
                        refused.completeExceptionally(new AssertionError("reflection completed"));
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        Throwable error = refused.get(10, TimeUnit.SECONDS);
        Errors.Seen seen = Errors.of(assertInstanceOf(io.grpc.StatusRuntimeException.class, error));
        assertEquals(Status.Code.UNAUTHENTICATED, seen.code());
        assertEquals("UNAUTHENTICATED_PRINCIPAL", seen.reason());
    }

    /** Probes without a certificate use the plaintext health port: health there, nothing else. */
    @Test
    void thePlaintextHealthPortServesHealthAndNothingElse() throws Exception {
        int port = node.server().healthPort().orElseThrow();
        ManagedChannel plaintext = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                .forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(plaintext).withDeadlineAfter(5, TimeUnit.SECONDS);
            assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                    health.check(HealthCheckRequest.newBuilder().setService("coffre.kms.v1.CryptoService").build()).getStatus());
            io.grpc.StatusRuntimeException notHere = org.junit.jupiter.api.Assertions.assertThrows(
                    io.grpc.StatusRuntimeException.class, () -> KeyServiceGrpc.newBlockingStub(plaintext)
                            .withDeadlineAfter(5, TimeUnit.SECONDS).listKeys(ListKeysRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNIMPLEMENTED, notHere.getStatus().getCode());
        } finally {
            plaintext.shutdownNow();
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        java.net.http.HttpResponse<String> ready = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        assertEquals("SERVING", ready.body().strip());
        java.net.http.HttpResponse<String> alive = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/livez")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, alive.statusCode());
    }

    /** The documented exception: the bridged standard services keep Vert.x's bare answer to an over-large message. */
    @Test
    void anOverLargeMessageToTheHealthServiceGetsVertxsBareAnswer() {
        ManagedChannel channel = node.channelFor(node.pki().clientWithUri("prober", "spiffe://coffre.test/prober"));
        io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.newBuilder().setService("x".repeat(70_000)).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
        assertTrue(details == null || details.getDetailsCount() == 0, "no ErrorInfo: " + details);
    }

    @Test
    void healthServiceReportsServing() {
        ManagedChannel channel = node.channelFor(node.pki().clientWithUri("prober", "spiffe://coffre.test/prober"));
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.newBuilder().setService("coffre.kms.v1.CryptoService").build()).getStatus());
    }

    @Test
    void reflectionListsTheServicesAndAnswersSeveralRequestsOnOneStream() throws Exception {
        ManagedChannel channel = node.channelFor(node.pki().clientWithUri("grpcurl", "spiffe://coffre.test/tool"));
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        CompletableFuture<Integer> fileDescriptors = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        if (response.hasListServicesResponse()) {
                            services.complete(response.getListServicesResponse().getServiceList().stream()
                                    .map(s -> s.getName()).toList());
                        } else if (response.hasFileDescriptorResponse()) {
                            fileDescriptors.complete(response.getFileDescriptorResponse().getFileDescriptorProtoCount());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                        fileDescriptors.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol("coffre.kms.v1.CryptoService").build());
        List<String> names = services.get(10, TimeUnit.SECONDS);
        assertTrue(names.containsAll(List.of("coffre.kms.v1.CryptoService", "coffre.kms.v1.KeyService",
                "grpc.health.v1.Health")), names.toString());
        assertTrue(fileDescriptors.get(10, TimeUnit.SECONDS) >= 1);
        requests.onCompleted();
    }
}
