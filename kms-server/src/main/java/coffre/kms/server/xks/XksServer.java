package coffre.kms.server.xks;

import coffre.kms.server.telemetry.CallTelemetry;

import coffre.hsm.HsmInfo;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.cluster.ClusterMembers;
import coffre.kms.server.config.XksSettings;
import coffre.kms.server.crypto.ExternalKeyCrypto;
import coffre.kms.server.health.HealthMonitor;
import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import coffre.kms.server.net.CoalescedFlushes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The listener AWS KMS calls for external key stores (the XKS proxy API): HTTPS on its own address
 * ({@link XksTls}: TLS 1.2+, HTTP/2 and HTTP/1.1, optional mutual TLS with allowed subjects), one
 * server per core sharing the port, one plain request handler (no router: {@link XksEndpoint}
 * parses the spec's paths itself):
 * <ul>
 *   <li>{@code GET /ping}: {@code pong}, 200, no authentication: for load balancers, whose probes
 *       send GET (which the API paths answer 405);</li>
 *   <li>everything else: the XKS API ({@link XksEndpoint}), bodies capped at
 *       {@value XksRequests#MAX_BODY_BYTES} bytes (above: 501 UnsupportedOperationException).</li>
 * </ul>
 * Calls run on a worker pool of their own ({@code coffre-xks}, one thread per HSM session), so a
 * gRPC load does not queue them and they do not queue gRPC calls; the health answer's live-node
 * count is refreshed by a thread of its own every {@value #FLEET_REFRESH_SECONDS} s.
 */
public final class XksServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(XksServer.class.getName());
    static final long FLEET_REFRESH_SECONDS = 10;
    private static final String PING = "/ping";
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
    private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain");
    private static final Buffer PONG = Buffer.buffer("pong\n");

    private final Vertx vertx;
    private final String deployment;
    private final int port;
    private final long refreshTimer;
    private final WorkerExecutor workers;
    private final WorkerExecutor refresher;

    private XksServer(Vertx vertx, String deployment, int port, long refreshTimer, WorkerExecutor workers,
                      WorkerExecutor refresher) {
        this.vertx = vertx;
        this.deployment = deployment;
        this.port = port;
        this.refreshTimer = refreshTimer;
        this.workers = workers;
        this.refresher = refresher;
    }

    /** What the XKS edge needs from the node. */
    public record Node(String nodeId, ExternalKeyStoreDirectory directory, ExternalKeyCrypto crypto, AuditSink audit,
                       HealthMonitor health, ClusterMembers members, HsmInfo hsm, int workerThreads, Clock clock,
                       CallTelemetry calls, StoreFailures storeFailures) {
    }

    /**
     * Starts listening on {@code settings}' host and {@code port} (resolved: not 0).
     *
     * @return the server, once every listener is bound
     */
    public static Future<XksServer> start(Vertx vertx, XksSettings settings, int port, Node node) {
        if (settings.requestTimeout().compareTo(XksSettings.AWS_TIMEOUT) >= 0) {
            LOG.log(Level.WARNING, "xks.requestTimeout is {0}: AWS KMS gives up after 250 ms, so calls that take "
                    + "that long fail at AWS whatever this node answers", settings.requestTimeout());
        }
        WorkerExecutor workers = vertx.createSharedWorkerExecutor("coffre-xks", node.workerThreads());
        WorkerExecutor refresher = vertx.createSharedWorkerExecutor("coffre-xks-health", 1);
        XksHealthCheck health = new XksHealthCheck(node.health(), node.members(), node.hsm(), node.nodeId(),
                settings.vendor(), settings.model(), settings.ekmVendor(), settings.requestTimeout(), node.clock());
        refresher.executeBlocking(() -> {
            health.refresh();
            return null;
        }, false);
        long refreshTimer = vertx.setPeriodic(Duration.ofSeconds(FLEET_REFRESH_SECONDS).toMillis(),
                id -> refresher.executeBlocking(() -> {
                    health.refresh();
                    return null;
                }, false));
        Map<XksOperation, XksHandler> handlers = Map.of(
                XksOperation.GET_HEALTH_STATUS, new XksHealthHandler(health),
                XksOperation.GET_KEY_METADATA, new XksKeyMetadataHandler(node.directory(), node.crypto()),
                XksOperation.ENCRYPT, new XksEncryptHandler(node.directory(), node.crypto()),
                XksOperation.DECRYPT, new XksDecryptHandler(node.directory(), node.crypto()));
        XksEndpoint endpoint = new XksEndpoint(vertx, node.directory(), handlers,
                new XksVerifiers(node.directory(), node.clock()), node.audit(), workers, settings.requestTimeout(),
                settings.maxInFlight(), node.clock(), node.calls(), node.storeFailures());
        var options = XksTls.options(settings).setHost(settings.host()).setPort(port);
        return vertx.deployVerticle(() -> new VerticleBase() {
                    @Override
                    public Future<?> start() {
                        // As on the gRPC port: the answers one audit commit releases leave in one flush.
                        return vertx.createHttpServer(options).connectionHandler(CoalescedFlushes::install)
                                .requestHandler(request -> {
                                    if (request.method() == HttpMethod.GET && PING.equals(request.path())) {
                                        request.response().putHeader(CONTENT_TYPE, TEXT_PLAIN).end(PONG);
                                    } else {
                                        endpoint.handle(request);
                                    }
                                }).listen();
                    }
                }, new DeploymentOptions().setInstances(Math.max(1, Runtime.getRuntime().availableProcessors())))
                .map(deployment -> {
                    LOG.log(Level.INFO, "XKS listener on {0}:{1,number,#} ({2})", settings.host(), port,
                            settings.mutualTls() ? "mutual TLS, " + settings.allowedSubjects().size()
                                    + " allowed subject(s)" : "server TLS");
                    return new XksServer(vertx, deployment, port, refreshTimer, workers, refresher);
                })
                .onFailure(e -> {
                    vertx.cancelTimer(refreshTimer);
                    workers.close();
                    refresher.close();
                });
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** Stops listening; calls in progress are not waited for (the node is stopping). */
    public Future<Void> stop() {
        vertx.cancelTimer(refreshTimer);
        return vertx.undeploy(deployment).onComplete(done -> {
            workers.close();
            refresher.close();
        });
    }

    @Override
    public void close() {
        stop();
    }
}
