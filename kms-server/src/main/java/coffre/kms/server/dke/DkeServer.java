package coffre.kms.server.dke;

import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.telemetry.CallTelemetry;
import coffre.kms.server.telemetry.Telemetry;

import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.config.DkeSettings;
import coffre.kms.server.keystores.DkeKeyNames;
import coffre.kms.server.net.CoalescedFlushes;
import coffre.kms.server.net.HttpsListeners;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;

/**
 * The listener Office clients call for Microsoft 365 Double Key Encryption (docs/dke.md): HTTPS on
 * its own address ({@link HttpsListeners}: TLS 1.2+, HTTP/2 and HTTP/1.1), one server per core
 * sharing the port, every request through {@link DkeEndpoint}, bodies capped at
 * {@value DkeJson#MAX_BODY_BYTES} bytes (above: 413). Calls run on a worker pool of their own
 * ({@code coffre-dke}, one thread per HSM session), apart from gRPC's and XKS's.
 */
public final class DkeServer {
    private static final Logger LOG = System.getLogger(DkeServer.class.getName());
    /** Entra ID tokens with many groups are large; Vert.x's default (8 KiB) would refuse them. */
    static final int MAX_HEADER_BYTES = 32 * 1024;

    private final Vertx vertx;
    private final String deployment;
    private final int port;
    private final WorkerExecutor workers;

    private DkeServer(Vertx vertx, String deployment, int port, WorkerExecutor workers) {
        this.vertx = vertx;
        this.deployment = deployment;
        this.port = port;
        this.workers = workers;
    }

    /** What the DKE edge needs from the node. */
    public record Node(DkeKeyNames names, DkeKeys keys, AuditSink audit, int workerThreads, Clock clock,
                       CallTelemetry calls, StoreFailures storeFailures) {

        /** Without telemetry: tests of the edge alone. */
        public Node(DkeKeyNames names, DkeKeys keys, AuditSink audit, int workerThreads, Clock clock) {
            this(names, keys, audit, workerThreads, clock, Telemetry.none().calls(), StoreFailures.NONE);
        }
    }

    /** The issuer's signing keys as the settings name them (a file or a URL). */
    public static JWKSource<SecurityContext> signingKeys(DkeSettings settings) {
        return settings.jwksFile() != null
                ? JwksSources.fromFile(settings.jwksFile(), settings.jwksRefresh(), settings.jwksMinRefreshGap())
                : JwksSources.fromUrl(settings.jwksUrl(), settings.jwksCa(), settings.jwksRefresh(),
                        settings.jwksMinRefreshGap());
    }

    /**
     * Starts listening on {@code settings}' host and {@code port} (resolved: not 0).
     *
     * @return the server, once every listener is bound
     */
    public static Future<DkeServer> start(Vertx vertx, DkeSettings settings, int port, Node node) {
        WorkerExecutor workers = vertx.createSharedWorkerExecutor("coffre-dke", node.workerThreads());
        BearerTokens tokens = new BearerTokens(signingKeys(settings), settings.algorithms(), settings.issuers(),
                settings.serviceUrlText(), settings.clockSkew(), node.clock());
        DkeService service = new DkeService(node.names(), node.keys(), settings.serviceUrlText(),
                settings.publicKeyCacheTime(), node.clock());
        DkeEndpoint endpoint = new DkeEndpoint(vertx, service, tokens, settings.anonymousPublicKey(),
                DkeEndpoint.challenge(settings.serviceUrlText(), settings.authorizationUrl().toString()), node.audit(),
                workers, settings.requestTimeout(), settings.maxInFlight(), node.clock(), node.calls(),
                node.storeFailures());
        var options = HttpsListeners.options(settings.certificate(), settings.privateKey())
                .setMaxHeaderSize(MAX_HEADER_BYTES).setHost(settings.host()).setPort(port);
        options.getInitialSettings().setMaxHeaderListSize(MAX_HEADER_BYTES);
        return vertx.deployVerticle(() -> new VerticleBase() {
                    @Override
                    public Future<?> start() {
                        return vertx.createHttpServer(options).connectionHandler(CoalescedFlushes::install)
                                .requestHandler(router(vertx, endpoint)).listen();
                    }
                }, new DeploymentOptions().setInstances(Math.max(1, Runtime.getRuntime().availableProcessors())))
                .map(deployment -> {
                    LOG.log(Level.INFO, "DKE listener on {0}:{1,number,#} for {2}", settings.host(), port,
                            settings.serviceUrlText());
                    return new DkeServer(vertx, deployment, port, workers);
                })
                .onFailure(e -> workers.close());
    }

    private static Router router(Vertx vertx, DkeEndpoint endpoint) {
        Router router = Router.router(vertx);
        router.route().handler(endpoint::admit);
        router.route().handler(BodyHandler.create(false).setBodyLimit(DkeJson.MAX_BODY_BYTES));
        router.route().handler(endpoint::serve);
        router.route().failureHandler(ctx -> endpoint.refuse(ctx, refusal(ctx)));
        return router;
    }

    private static DkeException refusal(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            return new DkeException(DkeError.PAYLOAD_TOO_LARGE, "the request body is larger than "
                    + DkeJson.MAX_BODY_BYTES + " bytes");
        }
        if (ctx.statusCode() == 400) {
            return new DkeException(DkeError.INVALID_REQUEST, "the request could not be read");
        }
        return DkeErrors.unexpected(ctx.failure() != null ? ctx.failure()
                : new IllegalStateException("request failed with status " + ctx.statusCode()));
    }

    public int port() {
        return port;
    }

    /** Stops listening; calls in progress are not waited for (the node is stopping). */
    public Future<Void> stop() {
        return vertx.undeploy(deployment).onComplete(done -> workers.close());
    }
}
