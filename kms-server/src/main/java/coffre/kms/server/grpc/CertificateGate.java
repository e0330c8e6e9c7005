package coffre.kms.server.grpc;

import coffre.kms.server.domain.KmsException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Objects;

/**
 * Stands in front of the gRPC server on the mTLS port so that every call needs a client
 * certificate, as the README promises. Coffre's own services check the caller themselves (and
 * audit the refusal); the standard services bridged from grpc-java — health, reflection — have no
 * such check, so a caller without a usable certificate is refused here with the same
 * {@code UNAUTHENTICATED} / {@code UNAUTHENTICATED_PRINCIPAL}, before the service sees the call.
 * The TLS port asks for a certificate without requiring one only so that this refusal is a clear
 * gRPC error rather than a failed handshake. Probes that cannot present a certificate use the
 * plaintext health port ({@code server.healthPort}), which serves health and nothing else.
 */
public final class CertificateGate implements Handler<HttpServerRequest> {
    /** The paths of Coffre's own services, which authenticate each call themselves. */
    private static final String OWN_SERVICES = "/coffre.kms.";

    private final Handler<HttpServerRequest> next;

    public CertificateGate(Handler<HttpServerRequest> next) {
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (!request.path().startsWith(OWN_SERVICES)) {
            try {
                CallerIdentity.of(request.connection());
            } catch (KmsException refused) {
                refuse(request.response(), refused);
                return;
            }
        }
        next.handle(request);
    }

    /** A gRPC "trailers-only" answer: the status and its ErrorInfo in the only header block. */
    private static void refuse(HttpServerResponse response, KmsException error) {
        GrpcStatus status = ErrorMapping.statusOf(error.reason());
        response.putHeader("content-type", "application/grpc")
                .putHeader("grpc-status", Integer.toString(status.code))
                .putHeader("grpc-message", error.getMessage())
                .putHeader(ErrorMapping.DETAILS_TRAILER, ErrorMapping.details(error.reason(), error.getMessage(),
                        error.metadata()))
                .end();
    }
}
