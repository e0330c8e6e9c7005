package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** Who may connect, and the standard health and reflection services. */
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
