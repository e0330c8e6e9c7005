package coffre.kms.client;

import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.XksAdminServiceGrpc;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gRPC service config of every channel {@link ClusterChannels} builds (the CLI's, the load
 * tool's, {@link CoffreClient}'s; the JSON of docs/client-settings.md, as the maps grpc-java
 * takes): {@code round_robin} over every node, and a retry policy for {@code UNAVAILABLE} and
 * {@code CANCELLED} on the calls that are safe to repeat.
 *
 * <p>{@code UNAVAILABLE} means a node could not serve the call: it is down or restarting (the
 * connection was refused or broke), or it answered {@code HSM_UNAVAILABLE}, {@code STORE_UNAVAILABLE}
 * or {@code AUDIT_UNAVAILABLE}. {@code CANCELLED}, when the caller did not cancel, means the node
 * cut the call itself: a node going away resets the streams still open on it (HTTP/2
 * {@code RST_STREAM CANCEL}, which grpc-java reports as {@code CANCELLED}, not {@code UNAVAILABLE}).
 * gRPC never retries a call its caller cancelled. In the {@code AUDIT_UNAVAILABLE} case, or when a
 * node dies or cuts the call after committing but before answering, the call may have taken effect.
 * So the status says nothing about safety; only calls whose repetition changes nothing are retried:
 *
 * <ul>
 *   <li>the data plane ({@code CryptoService}): a repeated wrap makes another valid envelope, a
 *       repeated unwrap opens the same one; a break-glass unwrap or decrypt still pending names the
 *       same approval request; a repeated sign makes another valid signature, a repeated
 *       asymmetric decrypt, verify or public-key read gives the same answer;</li>
 *   <li>every read (get, list, query, verify, ceremony status);</li>
 *   <li>calls the server refuses to apply twice: a vote (a second one is {@code DUPLICATE_VOTE}),
 *       the signed kill-switch orders (disable a key or a key store, revoke a grant or an XKS
 *       credential, unmap an external key, suspend: a signature is used once, on any node) and the init ceremony ({@code ALREADY_INITIALIZED}). After an ambiguous failure the
 *       retry may then answer with that refusal although the first attempt was applied.</li>
 * </ul>
 *
 * <p>Requests for changes ({@code CreateKey}, {@code RotateKey}, {@code CreateGrant},
 * {@code AddOfficer}, {@code PruneChain}, ...) are <em>not</em> retried: each one creates an approval request, and a
 * repeat would create a second one that officers could approve too (two rotations, two keys).
 * Nor is the {@code Watch} stream. gRPC's transparent retries still apply to every call: they
 * resend only what never reached a server, which is always safe.
 */
public final class ClientServiceConfig {

    /** Attempts per call, the first included. */
    public static final int MAX_ATTEMPTS = 5;
    /** Wait before the first retry (randomised by gRPC between 0 and this), doubled each time up to 1 s. */
    public static final String INITIAL_BACKOFF = "0.05s";
    public static final String MAX_BACKOFF = "1s";
    /** The codes on which those calls are retried: a node could not serve the call, or cut it. */
    public static final List<String> RETRIED_CODES = List.of("UNAVAILABLE", "CANCELLED");

    private ClientServiceConfig() {
    }

    /** The service config, as the nested maps of JSON values that {@code defaultServiceConfig} takes. */
    public static Map<String, ?> map() {
        // grpc-java reads JSON numbers as Double only.
        Map<String, ?> retryPolicy = Map.of(
                "maxAttempts", (double) MAX_ATTEMPTS,
                "initialBackoff", INITIAL_BACKOFF,
                "maxBackoff", MAX_BACKOFF,
                "backoffMultiplier", 2.0,
                "retryableStatusCodes", RETRIED_CODES);
        return Map.of(
                "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
                "methodConfig", List.of(Map.of("name", names(), "retryPolicy", retryPolicy)));
    }

    /** Retry throttling of a service's channel: retries stop while more than half of recent calls fail. */
    public static final double THROTTLING_MAX_TOKENS = 10;
    public static final double THROTTLING_TOKEN_RATIO = 0.1;

    /**
     * {@link #map()} with retry throttling ({@code {"maxTokens": 10, "tokenRatio": 0.1}}), for a
     * long-lived service with many calls in flight: when most calls fail (the whole cluster down),
     * retries stop multiplying the load. The CLI (one call at a time) does without.
     */
    public static Map<String, ?> serviceMap() {
        Map<String, Object> config = new java.util.HashMap<>(map());
        config.put("retryThrottling", Map.of("maxTokens", THROTTLING_MAX_TOKENS, "tokenRatio", THROTTLING_TOKEN_RATIO));
        return Map.copyOf(config);
    }

    /** The full names of the methods retried on {@link #RETRIED_CODES}, e.g. {@code coffre.kms.v1.KeyService/GetKey}. */
    public static List<String> retriedMethods() {
        return retried().stream().map(MethodDescriptor::getFullMethodName).toList();
    }

    private static List<MethodDescriptor<?, ?>> retried() {
        return List.of(
                CryptoServiceGrpc.getWrapMethod(),
                CryptoServiceGrpc.getUnwrapMethod(),
                CryptoServiceGrpc.getGenerateDataKeyMethod(),
                CryptoServiceGrpc.getRewrapMethod(),
                CryptoServiceGrpc.getGetPublicKeyMethod(),
                CryptoServiceGrpc.getAsymmetricDecryptMethod(),
                CryptoServiceGrpc.getSignMethod(),
                CryptoServiceGrpc.getVerifyMethod(),
                KeyServiceGrpc.getGetKeyMethod(),
                KeyServiceGrpc.getListKeysMethod(),
                KeyServiceGrpc.getListGrantsMethod(),
                KeyServiceGrpc.getDisableKeyMethod(),
                KeyServiceGrpc.getRevokeGrantMethod(),
                ApprovalServiceGrpc.getListApprovalRequestsMethod(),
                ApprovalServiceGrpc.getGetApprovalRequestMethod(),
                ApprovalServiceGrpc.getVoteMethod(),
                OfficerServiceGrpc.getGetCeremonyStatusMethod(),
                OfficerServiceGrpc.getInitCeremonyMethod(),
                OfficerServiceGrpc.getListOfficersMethod(),
                OfficerServiceGrpc.getSuspendOfficerMethod(),
                AuditServiceGrpc.getQueryEventsMethod(),
                AuditServiceGrpc.getVerifyChainMethod(),
                AuditServiceGrpc.getReadChainMethod(),
                // Read-only; gRPC retries a stream only until its first message, so never mid-verification.
                AuditServiceGrpc.getVerifyChainStreamMethod(),
                XksAdminServiceGrpc.getGetKeyStoreMethod(),
                XksAdminServiceGrpc.getListKeyStoresMethod(),
                XksAdminServiceGrpc.getListKeyMappingsMethod(),
                XksAdminServiceGrpc.getDisableKeyStoreMethod(),
                XksAdminServiceGrpc.getRevokeCredentialMethod(),
                XksAdminServiceGrpc.getUnmapKeyMethod());
    }

    private static List<Map<String, String>> names() {
        List<Map<String, String>> names = new ArrayList<>();
        for (MethodDescriptor<?, ?> method : retried()) {
            names.add(Map.of("service", method.getServiceName(), "method", method.getBareMethodName()));
        }
        return names;
    }
}
