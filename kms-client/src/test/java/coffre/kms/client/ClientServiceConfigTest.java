package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.XksAdminServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Which calls Coffre's clients retry on UNAVAILABLE or CANCELLED: every API method must be classified on purpose. */
class ClientServiceConfigTest {

    /** Each of these creates an approval request (or is a stream): a repeat would make a second one. */
    private static final Set<String> NOT_RETRIED = Set.of(
            "coffre.kms.v1.KeyService/CreateKey",
            "coffre.kms.v1.KeyService/RotateKey",
            "coffre.kms.v1.KeyService/EnableKey",
            "coffre.kms.v1.KeyService/ScheduleKeyDeletion",
            "coffre.kms.v1.KeyService/CancelKeyDeletion",
            "coffre.kms.v1.KeyService/SetAccessPolicy",
            "coffre.kms.v1.KeyService/SetApprovalPolicy",
            "coffre.kms.v1.KeyService/CreateGrant",
            "coffre.kms.v1.OfficerService/AddOfficer",
            "coffre.kms.v1.OfficerService/RemoveOfficer",
            "coffre.kms.v1.OfficerService/ReinstateOfficer",
            "coffre.kms.v1.OfficerService/SetQuorumRule",
            "coffre.kms.v1.AuditService/PruneChain",
            "coffre.kms.v1.XksAdminService/CreateKeyStore",
            "coffre.kms.v1.XksAdminService/RotateCredentials",
            "coffre.kms.v1.XksAdminService/EnableKeyStore",
            "coffre.kms.v1.XksAdminService/MapKey",
            "coffre.kms.v1.ApprovalService/Watch");

    @Test
    void everyMethodOfTheApiIsEitherRetriedOrNotOnPurpose() {
        Set<String> all = new TreeSet<>();
        Stream.of(CryptoServiceGrpc.getServiceDescriptor(), KeyServiceGrpc.getServiceDescriptor(),
                        ApprovalServiceGrpc.getServiceDescriptor(), OfficerServiceGrpc.getServiceDescriptor(),
                        AuditServiceGrpc.getServiceDescriptor(), XksAdminServiceGrpc.getServiceDescriptor())
                .map(ServiceDescriptor::getMethods)
                .flatMap(methods -> methods.stream().map(MethodDescriptor::getFullMethodName))
                .forEach(all::add);
        Set<String> classified = new TreeSet<>(ClientServiceConfig.retriedMethods());
        classified.addAll(NOT_RETRIED);

        assertEquals(all, classified, "a new API method must be added to ClientServiceConfig or NOT_RETRIED here");
        for (String retried : ClientServiceConfig.retriedMethods()) {
            assertTrue(!NOT_RETRIED.contains(retried), retried);
        }
    }

    @Test
    void theDataPlaneAndTheKillSwitchAreRetried() {
        assertTrue(ClientServiceConfig.retriedMethods().containsAll(List.of(
                "coffre.kms.v1.CryptoService/Wrap", "coffre.kms.v1.CryptoService/Unwrap",
                "coffre.kms.v1.CryptoService/GenerateDataKey", "coffre.kms.v1.CryptoService/Rewrap",
                "coffre.kms.v1.CryptoService/GetPublicKey", "coffre.kms.v1.CryptoService/AsymmetricDecrypt",
                "coffre.kms.v1.CryptoService/Sign", "coffre.kms.v1.CryptoService/Verify",
                "coffre.kms.v1.KeyService/DisableKey", "coffre.kms.v1.KeyService/RevokeGrant",
                "coffre.kms.v1.ApprovalService/Vote", "coffre.kms.v1.XksAdminService/DisableKeyStore",
                "coffre.kms.v1.XksAdminService/RevokeCredential", "coffre.kms.v1.XksAdminService/UnmapKey")));
    }

    @Test
    void aCallANodeCouldNotServeOrCutIsRetried() {
        // CANCELLED too: a node going away resets the streams still open on it (RST_STREAM CANCEL).
        Map<?, ?> methodConfig = (Map<?, ?>) ((List<?>) ClientServiceConfig.map().get("methodConfig")).get(0);
        Map<?, ?> retryPolicy = (Map<?, ?>) methodConfig.get("retryPolicy");

        assertEquals(List.of("UNAVAILABLE", "CANCELLED"), retryPolicy.get("retryableStatusCodes"));
    }

    @Test
    void grpcAcceptsTheServiceConfig() {
        // build() parses the default service config and fails on a malformed one.
        ManagedChannel channel = NettyChannelBuilder.forTarget("dns:///127.0.0.1:1").usePlaintext()
                .defaultServiceConfig(ClientServiceConfig.map()).enableRetry().build();
        channel.shutdownNow();
    }

    @Test
    void aServicesConfigAddsRetryThrottlingAndGrpcAcceptsIt() {
        Map<String, ?> config = ClientServiceConfig.serviceMap();

        assertEquals(Map.of("maxTokens", 10.0, "tokenRatio", 0.1), config.get("retryThrottling"));
        assertEquals(ClientServiceConfig.map().get("methodConfig"), config.get("methodConfig"));
        ManagedChannel channel = NettyChannelBuilder.forTarget("dns:///127.0.0.1:1").usePlaintext()
                .defaultServiceConfig(config).enableRetry().build();
        channel.shutdownNow();
    }
}
