package coffre.kms.server.grpc;

import coffre.kms.server.health.Readiness;
import io.grpc.protobuf.services.HealthStatusManager;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpcio.server.GrpcIoServer;
import io.vertx.grpcio.server.GrpcIoServiceBridge;

/**
 * The plaintext health port ({@code server.healthPort}), for probes that cannot present a client
 * certificate (Kubernetes' {@code grpc:} and {@code httpGet:} probes, load balancers). It serves
 * the node's readiness and nothing else — no Coffre service, no reflection — so it needs no TLS:
 *
 * <ul>
 *   <li>{@code grpc.health.v1.Health} ({@code Check}, {@code Watch}) over HTTP/2 without TLS, the
 *       same statuses as on the mTLS port;</li>
 *   <li>{@code GET /readyz}: 200 {@code SERVING} or 503 {@code NOT_SERVING};</li>
 *   <li>{@code GET /livez}: 200 while the node answers at all (an HSM or database outage makes a
 *       node not ready, never not alive: restarting it would not help).</li>
 * </ul>
 *
 * Bind it to an address only probes reach ({@code server.healthHost}, default 127.0.0.1).
 */
public final class HealthPort {
    private HealthPort() {
    }

    /** Listens on {@code host:port} (0: a free port); the future gives the server, for its actual port. */
    public static Future<HttpServer> listen(Vertx vertx, String host, int port, HealthStatusManager health,
                                            Readiness readiness) {
        GrpcIoServer grpc = GrpcIoServer.server(vertx);
        GrpcIoServiceBridge.bridge(health.getHealthService()).bind(grpc);
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
                .requestHandler(request -> handle(request, grpc, readiness))
                .listen();
    }

    private static void handle(HttpServerRequest request, GrpcIoServer grpc, Readiness readiness) {
        String contentType = request.getHeader("content-type");
        if (contentType != null && contentType.startsWith("application/grpc")) {
            // Health is the only service here: any other method gets gRPC's own UNIMPLEMENTED.
            grpc.handle(request);
        } else if (request.method() == HttpMethod.GET && request.path().equals("/readyz")) {
            boolean serving = readiness.serving();
            request.response().setStatusCode(serving ? 200 : 503).putHeader("content-type", "text/plain")
                    .end(serving ? "SERVING\n" : "NOT_SERVING\n");
        } else if (request.method() == HttpMethod.GET && request.path().equals("/livez")) {
            request.response().putHeader("content-type", "text/plain").end("ALIVE\n");
        } else {
            request.response().setStatusCode(404).end();
        }
    }
}
