package coffre.kms.server.grpc;

import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.audit.AuditRetention;
import coffre.kms.server.audit.AuditStore;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.grpc.approvals.ApprovalHandlers;
import coffre.kms.server.grpc.audit.AuditHandlers;
import coffre.kms.server.grpc.crypto.AsymmetricDecryptHandler;
import coffre.kms.server.grpc.crypto.GenerateDataKeyHandler;
import coffre.kms.server.grpc.crypto.GetPublicKeyHandler;
import coffre.kms.server.grpc.crypto.RewrapHandler;
import coffre.kms.server.grpc.crypto.SignHandler;
import coffre.kms.server.grpc.crypto.UnwrapHandler;
import coffre.kms.server.grpc.crypto.VerifyHandler;
import coffre.kms.server.grpc.crypto.WrapHandler;
import coffre.kms.server.grpc.dke.DkeAdminHandlers;
import coffre.kms.server.grpc.grants.GrantHandlers;
import coffre.kms.server.grpc.keys.KeyChangeHandlers;
import coffre.kms.server.grpc.keys.KeyHandlers;
import coffre.kms.server.grpc.keys.ListKeysHandler;
import coffre.kms.server.grpc.officers.OfficerHandlers;
import coffre.kms.server.grpc.xks.XksAdminHandlers;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keystores.DkeKeyMappings;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DkeAdminServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.XksAdminServiceGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.vertx.core.WorkerExecutor;
import io.vertx.grpcio.server.GrpcIoServer;
import io.vertx.grpcio.server.GrpcIoServiceBridge;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The node's gRPC services, in one place: which handler serves each RPC, on which workers (the data
 * plane on one worker per HSM session, with its deadline; administration on a small pool of its
 * own), and the services the health service reports.
 */
public final class GrpcServices {
    /** Every service of the node's gRPC port, as the health service names them ("" is the server). */
    private static final List<String> NAMES = List.of("", CryptoServiceGrpc.SERVICE_NAME, KeyServiceGrpc.SERVICE_NAME,
            ApprovalServiceGrpc.SERVICE_NAME, OfficerServiceGrpc.SERVICE_NAME, AuditServiceGrpc.SERVICE_NAME,
            XksAdminServiceGrpc.SERVICE_NAME, DkeAdminServiceGrpc.SERVICE_NAME);

    /** What the services call: the domain of one node. */
    public record Domain(CryptoOperations crypto, AsymmetricOperations asymmetric, KeyLifecycle lifecycle,
                         KeyRegistry registry, QuorumService quorum, GrantRegistry grants, ExternalKeyStores keyStores,
                         DkeKeyMappings dkeKeys, AuditStore auditStore, AuditVerifier auditVerifier,
                         AuditRetention retention, Clock clock) {
    }

    private GrpcServices() {
    }

    /**
     * Binds every RPC to {@code endpoint}: data-plane calls on {@code cryptoWorkers}, answered
     * {@code HSM_UNAVAILABLE} when not done within {@code dataPlane}; the rest on {@code adminWorkers}.
     */
    public static void bind(GrpcEndpoint endpoint, Domain d, WorkerExecutor cryptoWorkers, WorkerExecutor adminWorkers,
                            Duration dataPlane) {
        for (UnaryHandler<?, ?> handler : List.<UnaryHandler<?, ?>>of(new WrapHandler(d.crypto()),
                new UnwrapHandler(d.crypto()), new GenerateDataKeyHandler(d.crypto()), new RewrapHandler(d.crypto()),
                new GetPublicKeyHandler(d.asymmetric()), new AsymmetricDecryptHandler(d.asymmetric()),
                new SignHandler(d.asymmetric()), new VerifyHandler(d.asymmetric()))) {
            endpoint.bind(handler, cryptoWorkers, dataPlane, ErrorReason.HSM_UNAVAILABLE);
        }
        KeyHandlers.all(d.lifecycle(), d.quorum()).forEach(handler -> endpoint.bind(handler, adminWorkers));
        endpoint.bind(new ListKeysHandler(d.registry()), adminWorkers);
        KeyChangeHandlers.all(d.lifecycle(), d.quorum()).forEach(handler -> endpoint.bind(handler, adminWorkers));
        GrantHandlers.all(d.grants(), d.lifecycle(), d.quorum(), d.clock())
                .forEach(handler -> endpoint.bind(handler, adminWorkers));
        ApprovalHandlers.unary(d.quorum()).forEach(handler -> endpoint.bind(handler, adminWorkers));
        endpoint.bindStream(ApprovalHandlers.watch(d.quorum()), adminWorkers);
        OfficerHandlers.all(d.quorum()).forEach(handler -> endpoint.bind(handler, adminWorkers));
        XksAdminHandlers.all(d.keyStores(), d.quorum()).forEach(handler -> endpoint.bind(handler, adminWorkers));
        DkeAdminHandlers.all(d.dkeKeys(), d.quorum()).forEach(handler -> endpoint.bind(handler, adminWorkers));
        AuditHandlers.all(d.auditStore(), d.auditVerifier(), d.retention(), d.quorum())
                .forEach(handler -> endpoint.bind(handler, adminWorkers));
    }

    /** The standard health service on {@code grpc}, and server reflection of every service when {@code reflection}. */
    public static void bindHealthAndReflection(GrpcIoServer grpc, HealthStatusManager health, boolean reflection) {
        GrpcIoServiceBridge.bridge(health.getHealthService()).bind(grpc);
        if (reflection) {
            ReflectionSupport.services(List.of(CryptoServiceGrpc.getServiceDescriptor(),
                            KeyServiceGrpc.getServiceDescriptor(), ApprovalServiceGrpc.getServiceDescriptor(),
                            OfficerServiceGrpc.getServiceDescriptor(), AuditServiceGrpc.getServiceDescriptor(),
                            XksAdminServiceGrpc.getServiceDescriptor(), DkeAdminServiceGrpc.getServiceDescriptor(),
                            health.getHealthService().bindService().getServiceDescriptor()))
                    .forEach(service -> GrpcIoServiceBridge.bridge(service).bind(grpc));
        }
    }

    /** Sets every service's health to {@code status}. */
    public static void setAll(HealthStatusManager health, ServingStatus status) {
        for (String service : NAMES) {
            health.setStatus(service, status);
        }
    }
}
