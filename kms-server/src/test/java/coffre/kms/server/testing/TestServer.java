package coffre.kms.server.testing;

import coffre.hsm.Hsm;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.CoffreServer;
import coffre.kms.server.config.AuthorizationSettings;
import coffre.kms.server.config.HsmSettings;
import coffre.kms.server.config.KeysSettings;
import coffre.kms.server.config.NodeSettings;
import coffre.kms.server.config.ServerConfig;
import coffre.kms.server.config.ServerSettings;
import coffre.kms.server.config.StoreSettings;
import coffre.kms.server.config.TlsSettings;
import coffre.kms.server.config.XksSettings;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import coffre.kms.server.xks.XksServer;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.config.ApprovalSettings;
import coffre.kms.server.config.AuditSettings;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.Operation;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Coffre node for integration tests: real SoftHSM token, real embedded store file, real
 * mTLS on an ephemeral 127.0.0.1 port, with test certificates minted at run time. The clock can
 * be moved forward to reach the end of deletion waiting periods.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN = "spiffe://coffre.test/admin";
    public static final String SERVICE = "spiffe://coffre.test/service/billing";
    public static final String ALICE = "spiffe://coffre.test/officer/alice";
    public static final int SESSIONS = 4;

    private final Path dir;
    private final TestPki pki;
    private final TestPki.Issued serverCert;
    private final MutableClock clock = new MutableClock(Instant.now());
    private TestPki.Issued admin;
    private TestPki.Issued service;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final TestOfficers officers = TestOfficers.standard();
    private CoffreServer server;

    private final int requestsPerSecond;
    private final int burst;
    private final AuditLog.FailureMode auditFailureMode;
    private final int maxConcurrentStreams;
    private final Duration dataPlaneTimeout;
    private final boolean auditJournal;
    private java.util.function.UnaryOperator<Hsm> hsmDecorator = java.util.function.UnaryOperator.identity();
    private Hsm hsm;
    private XksSetup xks;
    private java.util.function.Function<TestPki, coffre.kms.server.config.DkeSettings> dke;

    /**
     * An XKS listener for a test node: its settings, made from the node's PKI (its server
     * certificate is for 127.0.0.1 and localhost), and the key stores it serves.
     */
    public record XksSetup(java.util.function.Function<TestPki, XksSettings> settings,
                           ExternalKeyStoreDirectory directory) {
    }

    private TestServer(Path dir, int requestsPerSecond, int burst) {
        this(dir, requestsPerSecond, burst, AuditLog.FailureMode.CLOSED, 1024);
    }

    private TestServer(Path dir, int requestsPerSecond, int burst, AuditLog.FailureMode auditFailureMode,
                       int maxConcurrentStreams) {
        this(dir, requestsPerSecond, burst, auditFailureMode, maxConcurrentStreams, null);
    }

    private TestServer(Path dir, int requestsPerSecond, int burst, AuditLog.FailureMode auditFailureMode,
                       int maxConcurrentStreams, Duration dataPlaneTimeout) {
        this(dir, requestsPerSecond, burst, auditFailureMode, maxConcurrentStreams, dataPlaneTimeout, true);
    }

    private TestServer(Path dir, int requestsPerSecond, int burst, AuditLog.FailureMode auditFailureMode,
                       int maxConcurrentStreams, Duration dataPlaneTimeout, boolean auditJournal) {
        this(dir, requestsPerSecond, burst, auditFailureMode, maxConcurrentStreams, dataPlaneTimeout, auditJournal, null);
    }

    private TestServer(Path dir, int requestsPerSecond, int burst, AuditLog.FailureMode auditFailureMode,
                       int maxConcurrentStreams, Duration dataPlaneTimeout, boolean auditJournal, XksSetup xks) {
        this(dir, requestsPerSecond, burst, auditFailureMode, maxConcurrentStreams, dataPlaneTimeout, auditJournal, xks,
                null);
    }

    private TestServer(Path dir, int requestsPerSecond, int burst, AuditLog.FailureMode auditFailureMode,
                       int maxConcurrentStreams, Duration dataPlaneTimeout, boolean auditJournal, XksSetup xks,
                       java.util.function.Function<TestPki, coffre.kms.server.config.DkeSettings> dke) {
        this.xks = xks;
        this.dke = dke;
        this.dir = dir;
        this.auditJournal = auditJournal;
        this.maxConcurrentStreams = maxConcurrentStreams;
        this.dataPlaneTimeout = dataPlaneTimeout == null ? ServerSettings.DEFAULT_DATA_PLANE_TIMEOUT : dataPlaneTimeout;
        if (dataPlaneTimeout != null || xks != null) {
            this.hsmDecorator = StallingHsm::new;
        }
        this.auditFailureMode = auditFailureMode;
        this.requestsPerSecond = requestsPerSecond;
        this.burst = burst;
        this.pki = TestPki.create(dir.resolve("pki"), "coffre");
        this.serverCert = pki.server("server");
        start();
    }

    /** A node initialised by an init ceremony of {@link TestOfficers#standard()}. */
    public static TestServer start(Path dir) {
        return start(dir, 0, 0);
    }

    /** An initialised node limiting each principal to {@code requestsPerSecond} (burst {@code burst}). */
    public static TestServer start(Path dir, int requestsPerSecond, int burst) {
        TestServer node = new TestServer(dir, requestsPerSecond, burst);
        node.adminOfficers().initCeremony(node.officers.ceremony());
        return node;
    }

    /**
     * An initialised node whose audit log fails {@code mode} when it cannot be written; its embedded
     * store has no audit journal, so renaming the audit table makes the log unwritable.
     */
    public static TestServer start(Path dir, AuditLog.FailureMode mode) {
        TestServer node = new TestServer(dir, 0, 0, mode, 1024, null, false);
        node.adminOfficers().initCeremony(node.officers.ceremony());
        return node;
    }

    /**
     * An initialised node whose data-plane calls time out after {@code dataPlaneTimeout}, over a
     * real SoftHSM wrapped in a {@link StallingHsm} (see {@link #stallingHsm()}).
     */
    public static TestServer startStalling(Path dir, Duration dataPlaneTimeout) {
        TestServer node = new TestServer(dir, 0, 0, AuditLog.FailureMode.CLOSED, 1024, dataPlaneTimeout);
        node.adminOfficers().initCeremony(node.officers.ceremony());
        return node;
    }

    /**
     * An initialised node with an XKS listener, over a real SoftHSM wrapped in a {@link StallingHsm}
     * (see {@link #stallingHsm()}) for the tests of deadlines and HSM failures.
     */
    public static TestServer startWithXks(Path dir, XksSetup xks) {
        TestServer node = new TestServer(dir, 0, 0, AuditLog.FailureMode.CLOSED, 1024, null, true, xks);
        node.adminOfficers().initCeremony(node.officers.ceremony());
        return node;
    }

    /**
     * An initialised node with a DKE listener whose settings are made from the node's PKI (its
     * server certificate is for 127.0.0.1 and localhost).
     */
    public static TestServer startWithDke(Path dir,
                                          java.util.function.Function<TestPki, coffre.kms.server.config.DkeSettings> dke) {
        TestServer node = new TestServer(dir, 0, 0, AuditLog.FailureMode.CLOSED, 1024, null, true, null, dke);
        node.adminOfficers().initCeremony(node.officers.ceremony());
        return node;
    }

    /** The metrics listener's port. */
    public int metricsPort() {
        return server.metricsPort().orElseThrow();
    }

    /** The DKE listener's port. */
    public int dkePort() {
        return server.dkePort().orElseThrow();
    }

    /** The XKS listener's port. */
    public int xksPort() {
        return server.xksPort().orElseThrow();
    }

    /** The node's HSM when started by {@link #startStalling} or {@link #startWithXks}. */
    public StallingHsm stallingHsm() {
        return (StallingHsm) hsm;
    }

    /** An initialised node allowing {@code streams} concurrent calls per HTTP/2 connection. */
    public static TestServer startWithStreamLimit(Path dir, int streams) {
        TestServer node = new TestServer(dir, 0, 0, AuditLog.FailureMode.CLOSED, streams);
        node.adminOfficers().initCeremony(node.officers.ceremony());
        return node;
    }

    /** A new connection as the administrator (each stub of this class opens its own). */
    public ManagedChannel adminChannel() {
        return channelFor(admin);
    }

    /** A JDBC URL to the node's own embedded database (same JVM), e.g. to tamper with the audit log. */
    public String jdbcUrl() {
        return "jdbc:h2:file:" + dir.resolve("data/coffre").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    /** A fresh node that has seen no init ceremony. */
    public static TestServer startUninitialized(Path dir) {
        return new TestServer(dir, 0, 0);
    }

    /** The traces' settings of the next {@link #start()} (null: no traces), set by tracing tests before a restart. */
    private coffre.kms.server.config.TelemetrySettings.Tracing telemetryTracing;

    /** Restarts the node with traces sent as {@code tracing} says (null: none). */
    public void restartTraced(coffre.kms.server.config.TelemetrySettings.Tracing tracing) {
        stop();
        telemetryTracing = tracing;
        start();
    }

    private void start() {
        ServerConfig config = new ServerConfig(
                new NodeSettings("test-1"),
                // Reflection on (the MtlsAndServicesIT checks it), and a plaintext health port.
                new ServerSettings("127.0.0.1", 0, 65536, maxConcurrentStreams, requestsPerSecond, burst,
                        dataPlaneTimeout, true, ServerSettings.DEFAULT_HEALTH_HOST, 0),
                new TlsSettings(serverCert.certificate(), serverCert.privateKey(), pki.caFile()),
                new HsmSettings("softhsm2", null, SoftHsmTestToken.get().label(), null, null, null,
                        SoftHsmTestToken.get().pinFile(), SESSIONS, null),
                new StoreSettings(StoreSettings.Type.H2, dir.resolve("data/coffre")),
                // Alice, an officer, may also request changes: her own requests test self-approval.
                new AuthorizationSettings(List.of(ADMIN, ALICE), List.of("spiffe://coffre.test/officer/*"),
                        List.of("spiffe://coffre.test/service/*")),
                new KeysSettings(Duration.ofHours(1)),
                new ApprovalSettings(Duration.ofHours(24), Duration.ofMinutes(15)),
                new AuditSettings(auditFailureMode, Duration.ofSeconds(10), 1000, 100_000));
        // Every test node serves its metrics (on a free port): the listener is exercised by every IT.
        config = config.withTelemetry(new coffre.kms.server.config.TelemetrySettings(
                coffre.kms.server.config.TelemetrySettings.Metrics.served("127.0.0.1", 0), telemetryTracing));
        if (xks != null) {
            config = config.withXks(xks.settings().apply(pki));
        }
        if (dke != null) {
            config = config.withDke(dke.apply(pki));
        }
        hsm = hsmDecorator.apply(Pkcs11Hsm.open(SoftHsmTestToken.get().config(SESSIONS)));
        server = CoffreServer.start(config, hsm, auditJournal ? StoreFactoryAccess.openH2(config.store().path())
                : StoreFactoryAccess.openH2WithoutAuditJournal(config.store().path()), clock,
                xks == null ? null : xks.directory());
        admin = pki.clientWithUri("admin", ADMIN);
        service = pki.clientWithUri("service", SERVICE);
    }

    /**
     * Stops this in-JVM node and starts it again as a process of its own with {@code jvmOptions}
     * (e.g. the default heap of {@code deploy/bin/coffre-server}); this object then only closes.
     */
    public ForkedNode fork(List<String> jvmOptions) {
        return fork(jvmOptions, List.of());
    }

    /** As {@link #fork(List)}, the node's configuration holding {@code settings} too (YAML lines, e.g. a {@code logging:} section). */
    public ForkedNode fork(List<String> jvmOptions, List<String> settings) {
        stop();
        return ForkedNode.start(dir, pki, serverCert, admin, jvmOptions, settings);
    }

    /** Stops the in-JVM node (its store closed), e.g. to write its store directly before {@link #fork}. */
    public void stop() {
        closeChannels();
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Stops the node and starts a new one on the same token and store (a process restart). */
    public void restart() {
        closeChannels();
        server.close();
        start();
    }

    public MutableClock clock() {
        return clock;
    }

    public CoffreServer server() {
        return server;
    }

    public TestPki pki() {
        return pki;
    }

    public Path dir() {
        return dir;
    }

    public KeyServiceGrpc.KeyServiceBlockingStub adminKeys() {
        return KeyServiceGrpc.newBlockingStub(channelFor(admin));
    }

    public OfficerServiceGrpc.OfficerServiceBlockingStub adminOfficers() {
        return OfficerServiceGrpc.newBlockingStub(channelFor(admin));
    }

    public ApprovalServiceGrpc.ApprovalServiceBlockingStub adminApprovals() {
        return ApprovalServiceGrpc.newBlockingStub(channelFor(admin));
    }

    public coffre.kms.v1.AuditServiceGrpc.AuditServiceBlockingStub adminAudit() {
        return coffre.kms.v1.AuditServiceGrpc.newBlockingStub(channelFor(admin));
    }

    public coffre.kms.v1.XksAdminServiceGrpc.XksAdminServiceBlockingStub adminXks() {
        return coffre.kms.v1.XksAdminServiceGrpc.newBlockingStub(channelFor(admin));
    }

    public coffre.kms.v1.DkeAdminServiceGrpc.DkeAdminServiceBlockingStub adminDke() {
        return coffre.kms.v1.DkeAdminServiceGrpc.newBlockingStub(channelFor(admin));
    }

    /** The data plane as the administrator, who is not a client: for denial tests. */
    public CryptoServiceGrpc.CryptoServiceBlockingStub adminCrypto() {
        return CryptoServiceGrpc.newBlockingStub(channelFor(admin));
    }

    public ManagedChannel serviceChannel() {
        return channelFor(service);
    }

    public CryptoServiceGrpc.CryptoServiceBlockingStub serviceCrypto() {
        return CryptoServiceGrpc.newBlockingStub(channelFor(service));
    }

    public TestOfficers officers() {
        return officers;
    }

    /** Now, by the node's clock: what officers put in their signed statements. */
    public Instant now() {
        return clock.instant();
    }

    /** Alice (op-a) and Carol (op-b) approve: the standard rule holds. Returns the closed request. */
    public ApprovalRequest approve(ApprovalRequest request) {
        ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals = adminApprovals();
        approvals.vote(officers.get("alice").vote(request, Decision.APPROVE, now()));
        return approvals.vote(officers.get("carol").vote(request, Decision.APPROVE, now())).getRequest();
    }

    /** Requests a key, has it approved, and returns it; without a policy, {@link #SERVICE}s may use it. */
    public Key createKey(CreateKeyRequest request) {
        CreateKeyRequest withPolicy = request.hasAccessPolicy() ? request : request.toBuilder()
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                        .addPrincipals("spiffe://coffre.test/service/*")
                        .addAllOperations(List.of(DataOperation.WRAP, DataOperation.UNWRAP,
                                DataOperation.GENERATE_DATA_KEY, DataOperation.REWRAP))))
                .build();
        ApprovalRequest done = approve(adminKeys().createKey(withPolicy).getApprovalRequest());
        if (done.getState() != ApprovalState.EXECUTED) {
            throw new IllegalStateException("key creation not executed: " + done.getState() + " "
                    + done.getFailureReason() + " " + done.getFailureMessage());
        }
        return adminKeys().getKey(GetKeyRequest.newBuilder().setKeyId(done.getResult()).build()).getKey();
    }

    public Key createKey() {
        return createKey(CreateKeyRequest.getDefaultInstance());
    }

    /** Runs an approval-gated admin call and returns the key it changed, once approved. */
    public Key approved(ApprovalRequest request) {
        ApprovalRequest done = approve(request);
        if (done.getState() != ApprovalState.EXECUTED) {
            throw new IllegalStateException("not executed: " + done.getState() + " " + done.getFailureReason()
                    + " " + done.getFailureMessage());
        }
        String keyId = Operations.keyIdOf(done);
        return adminKeys().getKey(GetKeyRequest.newBuilder().setKeyId(keyId).build()).getKey();
    }

    /** Alice disables the key at once with her signature. */
    public Key disable(String keyId) {
        Operation op = Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(keyId)).build();
        return adminKeys().disableKey(DisableKeyRequest.newBuilder().setKeyId(keyId)
                .setSignature(officers.get("alice").actNow(op, now())).build()).getKey();
    }

    /** A channel presenting {@code identity} (null: no client certificate), trusting the test CA. */
    public ManagedChannel channelFor(TestPki.Issued identity) {
        try {
            SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(pki.caFile().toFile());
            if (identity != null) {
                ssl.keyManager(identity.certificate().toFile(), identity.privateKey().toFile());
            }
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                    .sslContext(ssl.build())
                    .intercept(new SecretRecorder())
                    .build();
            channels.add(channel);
            return channel;
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void closeChannels() {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }

    @Override
    public void close() {
        closeChannels();
        if (server != null) {
            server.close();
        }
    }
}
