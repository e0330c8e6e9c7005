package coffre.kms.server;

import coffre.hsm.Hsm;
import coffre.kms.server.audit.AuditCheckpointer;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.audit.AuditRetention;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.config.ServerConfig;
import coffre.kms.server.telemetry.MetricsListener;
import coffre.kms.server.telemetry.NodeMeters;
import coffre.kms.server.telemetry.Telemetry;
import coffre.kms.server.telemetry.TlsMeters;
import coffre.kms.server.telemetry.VertxMetrics;
import coffre.kms.server.store.JdbcAuditStore;
import coffre.kms.server.access.AccessControl;
import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.crypto.ExternalKeyCrypto;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import coffre.kms.server.xks.XksServer;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.domain.PrincipalPattern;
import coffre.kms.server.access.AccessDecider;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.access.KeyAccessEnforcer;
import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovedOperations;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.approval.BreakGlassUnwraps;
import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.dke.AsymmetricDkeKeys;
import coffre.kms.server.dke.DkeServer;
import coffre.kms.server.keystores.DkeKeyMappings;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.server.store.Storage;
import java.security.SecureRandom;
import coffre.kms.server.grpc.CertificateGate;
import coffre.kms.server.net.CoalescedFlushes;
import coffre.kms.server.grpc.GrpcEndpoint;
import coffre.kms.server.health.DeepChecks;
import coffre.kms.server.health.HealthMonitor;
import coffre.kms.server.grpc.GrpcServices;
import coffre.kms.server.grpc.HealthPort;
import coffre.kms.server.health.Readiness;
import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.grpc.RateLimiter;
import coffre.kms.server.jobs.DeletionJob;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Coffre node: the domain services over the given HSM and store, served by a Vert.x gRPC
 * server over mTLS (and, when configured, the XKS listener for AWS external key stores), with
 * health, reflection and the key-deletion job. {@link #close()} stops
 * serving first, then releases the HSM and the store.
 */
public final class CoffreServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(CoffreServer.class.getName());
    private static final long START_TIMEOUT_SECONDS = 30;
    /**
     * How long past an approval request's lifetime a pending XKS credential is kept: its request
     * has certainly been closed by then (the margin covers clock differences between nodes).
     */
    private static final Duration ABANDONED_CREDENTIAL_MARGIN = Duration.ofMinutes(10);

    private final Vertx vertx;
    private final Hsm hsm;
    private final Storage storage;
    /** The deployment of the gRPC listeners (one per core). */
    private final String listeners;
    private final int port;
    private final Integer healthPort;
    private final HealthStatusManager health;
    private final DeletionJob deletionJob;
    private final AuditLog auditLog;
    private final JdbcAuditStore auditStore;
    private final AuditCheckpointer checkpointer;
    private final ExternalKeyStores keyStores;
    private final Clock clock;
    /** The listener for AWS external key stores, or null when {@code xks.port} is not set. */
    private final XksServer xks;
    /** The listener for Microsoft 365 Double Key Encryption, or null when {@code dke.port} is not set. */
    private final DkeServer dke;
    private final Telemetry telemetry;
    /** The metrics listener's port, or null when {@code telemetry.metrics.port} is not set. */
    private final Integer metricsPort;

    private CoffreServer(Vertx vertx, Hsm hsm, Storage storage, String listeners, int port, Integer healthPort,
                         HealthStatusManager health, DeletionJob deletionJob, AuditLog auditLog,
                         JdbcAuditStore auditStore, AuditCheckpointer checkpointer, ExternalKeyStores keyStores,
                         Clock clock, XksServer xks, DkeServer dke, Telemetry telemetry, Integer metricsPort) {
        this.telemetry = telemetry;
        this.metricsPort = metricsPort;
        this.xks = xks;
        this.dke = dke;
        this.healthPort = healthPort;
        this.vertx = vertx;
        this.hsm = hsm;
        this.storage = storage;
        this.listeners = listeners;
        this.port = port;
        this.health = health;
        this.deletionJob = deletionJob;
        this.auditLog = auditLog;
        this.auditStore = auditStore;
        this.checkpointer = checkpointer;
        this.keyStores = keyStores;
        this.clock = clock;
    }

    /**
     * Starts a node. On success the server owns {@code hsm} and {@code storage} and closes them;
     * on failure they are closed before the exception propagates. Its XKS listener, if configured,
     * serves the node's own external key stores.
     */
    public static CoffreServer start(ServerConfig config, Hsm hsm, Storage storage, Clock clock) {
        return start(config, hsm, storage, clock, null);
    }

    /**
     * As {@link #start(ServerConfig, Hsm, Storage, Clock)}, the XKS listener (if {@code xks.port} is
     * set) serving the key stores of {@code xksDirectory} instead of the node's own when it is not
     * null: tests of the edge alone.
     */
    public static CoffreServer start(ServerConfig config, Hsm hsm, Storage storage, Clock clock,
                                     ExternalKeyStoreDirectory xksDirectory) {
        Telemetry telemetry = Telemetry.open(config.telemetry(), config.node().id());
        hsm = telemetry.observe(hsm, config.hsm().name());
        Vertx vertx = VertxMetrics.vertx(telemetry);
        AuditLog auditLog = null;
        JdbcAuditStore auditStore = null;
        try {
            auditStore = new JdbcAuditStore(storage.dataSource(), storage.auditJournal().orElse(null));
            // A call waits for its audit event no longer than for a database connection: the
            // bound the README promises during an outage.
            auditLog = AuditLog.open(auditStore, config.node().id(), config.audit().onFailure(),
                    config.audit().maxBatch(), config.audit().maxBacklog(), config.store().connectionTimeout(), clock);
            AuditMacKey auditKey = new AuditMacKey(hsm, storage.clusterLock());
            AuditCheckpointer checkpointer = new AuditCheckpointer(auditLog, auditStore, auditKey, clock);

            KeyRegistry registry = new KeyRegistry();
            KeyLifecycle lifecycle = new KeyLifecycle(hsm, storage.keys(), registry, clock);
            lifecycle.loadAll();
            AuditLog audit = auditLog;
            lifecycle.onDestroyed(id -> audit.record(AuditEvent.system(clock.instant(), AuditEventType.KEY_DESTROYED,
                    id.value(), "")));
            LOG.log(Level.INFO, "loaded {0} key(s)", registry.size());
            GrantRegistry grants = new GrantRegistry(storage.grants(), clock, new SecureRandom());
            grants.loadAll();

            BreakGlassAllowances breakGlass = new BreakGlassAllowances();
            ApprovedOperations approved = new ApprovedOperations(lifecycle, spec -> grants.create(spec).id(), breakGlass,
                    config.approvals().breakGlassWindow(), clock);
            AuditVerifier auditVerifier = new AuditVerifier(auditStore, auditKey);
            AuditRetention retention = new AuditRetention(auditStore, auditVerifier, auditKey, auditLog, clock);
            approved.auditPrunes(retention::prune);
            QuorumService quorum = QuorumService.open(storage.approvals(), approved, config.approvals().requestTtl(), clock);
            approved.officerChanges(quorum.officerChanges());
            ExternalKeyStores keyStores = ExternalKeyStores.open(hsm, storage.xksStores(), lifecycle::get, clock);
            approved.keyStores(keyStores);
            DkeKeyMappings dkeKeys = DkeKeyMappings.open(storage.dkeKeys(), lifecycle::get, clock);
            approved.dkeKeys(dkeKeys);
            // In a cluster, what other nodes change reaches this node's views (no-op on the embedded store).
            coffre.kms.server.cluster.ClusterSync.start(storage.changes(),
                    new coffre.kms.server.cluster.KeyRefresher(lifecycle, storage.keys(), registry), grants, quorum.watchers(),
                    keyStores.registry(), dkeKeys);

            KeyAccessEnforcer keyAccess = new KeyAccessEnforcer(new AccessDecider(grants), clock,
                    telemetry.decisions());
            BreakGlassUnwraps breakGlassCalls = new BreakGlassUnwraps(breakGlass, quorum,
                    id -> quorum.get(id).state() == Approval.State.PENDING, clock);
            CryptoOperations crypto = new CryptoOperations(hsm, registry, keyAccess, breakGlassCalls);
            AsymmetricOperations asymmetric = new AsymmetricOperations(hsm, registry, keyAccess, breakGlassCalls);
            AccessControl access = new AccessControl(
                    patterns(config.authorization().administrators()),
                    patterns(config.authorization().officers()),
                    patterns(config.authorization().clients()));

            // The data plane gets one worker per HSM session: more threads would only queue in the HSM.
            WorkerExecutor cryptoWorkers = vertx.createSharedWorkerExecutor("coffre-crypto", config.hsm().sessions());
            WorkerExecutor adminWorkers = vertx.createSharedWorkerExecutor("coffre-admin", 2);

            HealthStatusManager health = new HealthStatusManager();
            // Not ready until the first deep check has passed (the manager starts at SERVING).
            GrpcServices.setAll(health, ServingStatus.NOT_SERVING);
            Readiness readiness = new Readiness(config.audit().onFailure() == AuditLog.FailureMode.CLOSED,
                    serving -> GrpcServices.setAll(health, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING));
            auditLog.watchWritable(readiness::auditWritable);
            StoreFailures storeFailures = new StoreFailures(readiness::storeFailed);

            GrpcIoServer grpc = GrpcIoServer.server(vertx,
                    new GrpcServerOptions().setMaxMessageSize(config.server().maxMessageBytes()));
            GrpcEndpoint endpoint = new GrpcEndpoint(grpc, access,
                    RateLimiter.system(config.server().requestsPerSecond(), config.server().burst()), auditLog, clock,
                    config.server().maxMessageBytes(), config.store().connectionTimeout(), storeFailures,
                    telemetry.calls());
            GrpcServices.bind(endpoint, new GrpcServices.Domain(crypto, asymmetric, lifecycle, registry, quorum, grants,
                    keyStores, dkeKeys, auditStore, auditVerifier, retention, clock), cryptoWorkers, adminWorkers,
                    config.server().dataPlaneTimeout());
            GrpcServices.bindHealthAndReflection(grpc, health, config.server().reflection());

            HttpServerOptions options = coffre.kms.server.grpc.MutualTlsListener.options(config.tls())
                    .setHost(config.server().host())
                    .setPort(config.server().port())
                    .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(config.server().maxConcurrentStreams()));
            // One server per core, each on its own event loop, sharing the port: TLS and HTTP/2
            // framing then use every core instead of one (Vert.x spreads connections across them).
            // Sharing needs one explicit port, so port 0 is resolved to a free port first.
            int port = config.server().port() == 0 ? freePort(config.server().host()) : config.server().port();
            HttpServerOptions bound = new HttpServerOptions(options).setPort(port);
            CertificateGate gate = new CertificateGate(grpc);
            String listeners = await(vertx.deployVerticle(() -> new VerticleBase() {
                @Override
                public Future<?> start() {
                    return vertx.createHttpServer(bound).connectionHandler(CoalescedFlushes::install)
                            .requestHandler(gate).listen();
                }
            }, new DeploymentOptions().setInstances(Math.max(1, Runtime.getRuntime().availableProcessors()))));

            Duration abandoned = config.approvals().requestTtl().plus(ABANDONED_CREDENTIAL_MARGIN);
            DeletionJob deletionJob = new DeletionJob(new VertxScheduler(vertx, adminWorkers), () -> lifecycle.destroyDueKeys()
                    + quorum.expireDue() + keyStores.discardAbandoned(abandoned), config.keys().deletionCheckInterval());
            deletionJob.start();

            HealthMonitor monitor = new HealthMonitor(hsm, storage.keys(), storage.clusterLock(), clock,
                    DeepChecks.HEALTH_INTERVAL);
            readiness.deepCheck(monitor.check());
            DeepChecks.schedule(vertx, monitor, readiness);
            NodeMeters.bind(telemetry, new NodeMeters.Parts(
                    config.hsm().name(), hsm, audit, checkpointer, storage, readiness, registry, grants, breakGlass,
                    quorum, TlsMeters.certificates(config), clock));
            XksServer xks = config.xks() == null ? null : await(XksServer.start(vertx, config.xks(),
                    config.xks().port() == 0 ? freePort(config.xks().host()) : config.xks().port(),
                    new XksServer.Node(config.node().id(),
                            xksDirectory != null ? xksDirectory : keyStores.registry(), new ExternalKeyCrypto(hsm, registry, keyAccess),
                            auditLog, monitor, storage.members(), hsm.info(), config.hsm().sessions(), clock,
                            telemetry.calls(), storeFailures)));
            DkeServer dke = config.dke() == null ? null : await(DkeServer.start(vertx, config.dke(),
                    config.dke().port() == 0 ? freePort(config.dke().host()) : config.dke().port(),
                    new DkeServer.Node(dkeKeys, new AsymmetricDkeKeys(asymmetric, registry), auditLog,
                            config.hsm().sessions(), clock, telemetry.calls(), storeFailures)));
            Integer metricsPort = config.telemetry().metrics().port() == null || telemetry.prometheus().isEmpty() ? null
                    : await(MetricsListener.listen(vertx, config.telemetry().metrics(),
                            freeIfZero(config.telemetry().metrics().host(), config.telemetry().metrics().port()),
                            telemetry.prometheus().get())).actualPort();
            Integer healthPort = config.server().healthPort() == null ? null
                    : await(HealthPort.listen(vertx, config.server().healthHost(), config.server().healthPort(),
                            health, readiness)).actualPort();
            vertx.setPeriodic(config.audit().checkpointInterval().toMillis(), id -> adminWorkers
                    .executeBlocking(checkpointer::checkpoint, false)
                    .onFailure(e -> LOG.log(Level.WARNING, "audit checkpoint failed; will retry: {0}", e.toString())));
            auditLog.record(AuditEvent.system(clock.instant(), AuditEventType.NODE_STARTED, "",
                    "port=" + port));
            LOG.log(Level.INFO, "Coffre node {0} serving on {1}:{2,number,#} (HSM: {3})", config.node().id(),
                    config.server().host(), port, hsm.info());
            return new CoffreServer(vertx, hsm, storage, listeners, port, healthPort, health, deletionJob, auditLog,
                    auditStore, checkpointer, keyStores, clock, xks, dke, telemetry, metricsPort);
        } catch (RuntimeException e) {
            await(vertx.close());
            telemetry.close();
            if (auditLog != null) {
                auditLog.close();
            }
            if (auditStore != null) {
                auditStore.close();
            }
            hsm.close();
            storage.close();
            throw e;
        }
    }

    private static List<PrincipalPattern> patterns(List<String> texts) {
        return texts.stream().map(PrincipalPattern::of).toList();
    }

    /** {@code port}, or a free port of {@code host} when it is 0. */
    private static int freeIfZero(String host, int port) {
        return port == 0 ? freePort(host) : port;
    }

    private static int freePort(String host) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot find a free port on " + host, e);
        }
    }

    /** The port the server listens on (useful when configured with port 0). */
    public int port() {
        return port;
    }

    /** The XKS listener's port (useful when configured with port 0), if there is one. */
    public java.util.OptionalInt xksPort() {
        return xks == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(xks.port());
    }

    /** The metrics listener's port (useful when configured with port 0), if there is one. */
    public java.util.OptionalInt metricsPort() {
        return metricsPort == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(metricsPort);
    }

    /** The node's metrics and tracer. */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** The DKE listener's port (useful when configured with port 0), if there is one. */
    public java.util.OptionalInt dkePort() {
        return dke == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(dke.port());
    }

    /** The plaintext health port (useful when configured with port 0), if there is one. */
    public java.util.OptionalInt healthPort() {
        return healthPort == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(healthPort);
    }

    /** The external key stores as the XKS edge reads them: answered from memory, kept in step across the cluster. */
    public ExternalKeyStoreDirectory keyStores() {
        return keyStores.registry();
    }

    /**
     * Runs the periodic job now — destroy keys past their waiting period, expire approval
     * requests past their time — and waits for it; returns the number of keys and requests closed.
     */
    public int runDeletionJobNow() {
        return await(Future.fromCompletionStage(deletionJob.runNow()));
    }

    /** Writes every audit event recorded so far and checkpoints the chain head now (for tests and tools). */
    public void checkpointAuditNow() {
        auditLog.flush();
        checkpointer.checkpoint();
    }

    @Override
    public void close() {
        health.enterTerminalState();
        // Stop following other nodes first: nothing reloads into a node that is shutting down.
        storage.changes().close();
        try {
            if (xks != null) {
                await(xks.stop());
            }
            if (dke != null) {
                await(dke.stop());
            }
            await(vertx.undeploy(listeners));
            await(vertx.close());
            auditLog.record(AuditEvent.system(clock.instant(), AuditEventType.NODE_STOPPED, "", ""));
            auditLog.flush();
            try {
                checkpointer.checkpoint();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "final audit checkpoint failed: {0}", e.toString());
            }
            auditLog.close();
            auditStore.close();
        } finally {
            try {
                hsm.close();
            } finally {
                try {
                    storage.close();
                } finally {
                    telemetry.close();
                }
            }
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the server", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out after " + START_TIMEOUT_SECONDS + " s", e);
        }
    }
}
