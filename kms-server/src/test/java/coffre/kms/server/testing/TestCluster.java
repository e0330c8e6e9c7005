package coffre.kms.server.testing;

import coffre.hsm.Hsm;
import coffre.kms.server.CoffreServer;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.config.ApprovalSettings;
import coffre.kms.server.config.AuditSettings;
import coffre.kms.server.config.AuthorizationSettings;
import coffre.kms.server.config.HsmSettings;
import coffre.kms.server.config.KeysSettings;
import coffre.kms.server.config.NodeSettings;
import coffre.kms.server.config.ServerConfig;
import coffre.kms.server.config.ServerSettings;
import coffre.kms.server.config.StoreSettings;
import coffre.kms.server.config.TlsSettings;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Several Coffre nodes in one JVM sharing one PostgreSQL schema and one HSM, as a cluster behind a
 * load balancer shares them: each node is a whole {@link CoffreServer} (its own pool, change feed,
 * registries, audit chain and gRPC port), so what one node changes reaches the others only through
 * the database. The officers' init ceremony runs once, on the first node.
 */
public final class TestCluster implements AutoCloseable {
    public static final String ADMIN = TestServer.ADMIN;
    public static final String SERVICE = TestServer.SERVICE;
    public static final int SESSIONS = 2;

    private final PostgresTestDatabase db;
    private final String schema;
    private final Duration refreshInterval;
    private final java.util.function.UnaryOperator<StoreSettings> storeOverride;
    private final TestPki pki;
    private final TestPki.Issued serverCert;
    private final TestPki.Issued admin;
    private final TestPki.Issued service;
    private final TestOfficers officers = TestOfficers.standard();
    private final List<Node> nodes = new ArrayList<>();
    /** Each node's XKS listener, or null for none. */
    private TestServer.XksSetup xks;
    /** Each node's DKE listener settings, made from the cluster's PKI, or null for none. */
    private java.util.function.Function<TestPki, coffre.kms.server.config.DkeSettings> dke;

    /** One node: its server and the client channels opened to it. */
    public final class Node {
        private final String id;
        private final CoffreServer server;
        private final List<ManagedChannel> channels = new ArrayList<>();

        private Node(String id, CoffreServer server) {
            this.id = id;
            this.server = server;
        }

        public String id() {
            return id;
        }

        public CoffreServer server() {
            return server;
        }

        /** This node's DKE listener port. */
        public int dkePort() {
            return server.dkePort().orElseThrow();
        }

        public coffre.kms.v1.DkeAdminServiceGrpc.DkeAdminServiceBlockingStub adminDke() {
            return coffre.kms.v1.DkeAdminServiceGrpc.newBlockingStub(channel(admin));
        }

        /** This node's XKS listener port. */
        public int xksPort() {
            return server.xksPort().orElseThrow();
        }

        public KeyServiceGrpc.KeyServiceBlockingStub adminKeys() {
            return KeyServiceGrpc.newBlockingStub(channel(admin));
        }

        public ApprovalServiceGrpc.ApprovalServiceBlockingStub adminApprovals() {
            return ApprovalServiceGrpc.newBlockingStub(channel(admin));
        }

        public OfficerServiceGrpc.OfficerServiceBlockingStub adminOfficers() {
            return OfficerServiceGrpc.newBlockingStub(channel(admin));
        }

        public CryptoServiceGrpc.CryptoServiceBlockingStub serviceCrypto() {
            return CryptoServiceGrpc.newBlockingStub(channel(service));
        }

        /** A connection to this node as the administrator. */
        public ManagedChannel adminChannel() {
            return channel(admin);
        }

        private ManagedChannel channel(TestPki.Issued identity) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(pki.caFile().toFile())
                        .keyManager(identity.certificate().toFile(), identity.privateKey().toFile());
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

        private void close() {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
                try {
                    channel.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            server.close();
        }

        @Override
        public String toString() {
            return id;
        }
    }

    /**
     * Starts {@code count} nodes named node-a, node-b... on a fresh schema of {@code db}, each with the
     * HSM that {@code hsmPerNode} gives (a shared in-memory HSM, or one PKCS#11 instance per node on
     * one token: several processes' view of a network HSM).
     */
    public static TestCluster start(Path dir, PostgresTestDatabase db, int count, Supplier<Hsm> hsmPerNode,
                                    Duration refreshInterval) {
        return start(dir, db, count, hsmPerNode, refreshInterval, java.util.function.UnaryOperator.identity());
    }

    /** As above, each node's store settings changed by {@code store} first (e.g. to reach PostgreSQL through a proxy). */
    public static TestCluster start(Path dir, PostgresTestDatabase db, int count, Supplier<Hsm> hsmPerNode,
                                    Duration refreshInterval, java.util.function.UnaryOperator<StoreSettings> store) {
        return start(dir, db, count, hsmPerNode, refreshInterval, store, null);
    }

    /**
     * As above, every node with an XKS listener made by {@code xks} from the cluster's PKI, all
     * serving the key stores of its one directory (a test directory shared in memory), or, when
     * that directory is null, each its own registry (the key-store domain, kept in step through the
     * database and its change feed).
     */
    public static TestCluster startWithXks(Path dir, PostgresTestDatabase db, int count, Supplier<Hsm> hsmPerNode,
                                           TestServer.XksSetup xks) {
        return start(dir, db, count, hsmPerNode, StoreSettings.DEFAULT_REFRESH_INTERVAL,
                java.util.function.UnaryOperator.identity(), xks);
    }

    /** As above, every node with a DKE listener made by {@code dke} from the cluster's PKI. */
    public static TestCluster startWithDke(Path dir, PostgresTestDatabase db, int count, Supplier<Hsm> hsmPerNode,
                                           java.util.function.Function<TestPki, coffre.kms.server.config.DkeSettings> dke) {
        return start(dir, db, count, hsmPerNode, StoreSettings.DEFAULT_REFRESH_INTERVAL,
                java.util.function.UnaryOperator.identity(), null, dke);
    }

    private static TestCluster start(Path dir, PostgresTestDatabase db, int count, Supplier<Hsm> hsmPerNode,
                                     Duration refreshInterval, java.util.function.UnaryOperator<StoreSettings> store,
                                     TestServer.XksSetup xks) {
        return start(dir, db, count, hsmPerNode, refreshInterval, store, xks, null);
    }

    private static TestCluster start(Path dir, PostgresTestDatabase db, int count, Supplier<Hsm> hsmPerNode,
                                     Duration refreshInterval, java.util.function.UnaryOperator<StoreSettings> store,
                                     TestServer.XksSetup xks,
                                     java.util.function.Function<TestPki, coffre.kms.server.config.DkeSettings> dke) {
        TestCluster cluster = new TestCluster(dir, db, refreshInterval, store);
        cluster.xks = xks;
        cluster.dke = dke;
        try {
            for (int i = 0; i < count; i++) {
                cluster.startNode("node-" + (char) ('a' + i), hsmPerNode.get());
            }
            cluster.node(0).adminOfficers().initCeremony(cluster.officers.ceremony());
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private TestCluster(Path dir, PostgresTestDatabase db, Duration refreshInterval,
                        java.util.function.UnaryOperator<StoreSettings> storeOverride) {
        this.db = db;
        this.storeOverride = storeOverride;
        this.schema = db.newSchema("cluster");
        this.refreshInterval = refreshInterval;
        this.pki = TestPki.create(dir.resolve("pki"), "coffre");
        this.serverCert = pki.server("server");
        this.admin = pki.clientWithUri("admin", ADMIN);
        this.service = pki.clientWithUri("service", SERVICE);
    }

    private void startNode(String id, Hsm hsm) {
        StoreSettings store = storeOverride.apply(db.settings(schema, refreshInterval));
        ServerConfig config = new ServerConfig(
                new NodeSettings(id),
                new ServerSettings("127.0.0.1", 0, 65536, 1024, 0, 0, ServerSettings.DEFAULT_DATA_PLANE_TIMEOUT),
                new TlsSettings(serverCert.certificate(), serverCert.privateKey(), pki.caFile()),
                new HsmSettings("softhsm2", null, "cluster-test", null, null, "UNUSED", null, SESSIONS, null),
                store,
                new AuthorizationSettings(List.of(ADMIN), List.of("spiffe://coffre.test/officer/*"),
                        List.of("spiffe://coffre.test/service/*")),
                new KeysSettings(Duration.ofHours(1)),
                new ApprovalSettings(Duration.ofHours(24), Duration.ofMinutes(15)),
                new AuditSettings(AuditLog.FailureMode.CLOSED, Duration.ofSeconds(10), 1000, 100_000));
        if (dke != null) {
            config = config.withDke(dke.apply(pki));
        }
        Storage storage = StoreFactory.open(store);
        CoffreServer server = xks == null ? CoffreServer.start(config, hsm, storage, Clock.systemUTC())
                : CoffreServer.start(config.withXks(xks.settings().apply(pki)), hsm, storage, Clock.systemUTC(),
                        xks.directory());
        nodes.add(new Node(id, server));
        // Serving before it listens would let a node miss changes made at once (until its resync).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!storage.changes().listening()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(id + " is not listening for cluster changes after 30 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public Node node(int index) {
        return nodes.get(index);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public TestOfficers officers() {
        return officers;
    }

    /** The cluster's PKI (CA, the nodes' server certificate, the callers' certificates). */
    public TestPki pki() {
        return pki;
    }

    public TestPki.Issued serverCertificate() {
        return serverCert;
    }

    public TestPki.Issued serviceIdentity() {
        return service;
    }

    public String schema() {
        return schema;
    }

    /** Alice votes on {@code aliceOn}, then Carol on {@code carolOn}: the standard rule holds. */
    public ApprovalRequest approve(ApprovalRequest request, Node aliceOn, Node carolOn) {
        aliceOn.adminApprovals().vote(officers.get("alice").vote(request, Decision.APPROVE, java.time.Instant.now()));
        return carolOn.adminApprovals().vote(officers.get("carol").vote(request, Decision.APPROVE,
                java.time.Instant.now())).getRequest();
    }

    /** Requests a key on {@code on}, approved there; {@link #SERVICE} may use it. Returns its id. */
    public String createKey(Node on) {
        CreateKeyRequest request = CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("spiffe://coffre.test/service/*")
                        .addAllOperations(List.of(DataOperation.WRAP, DataOperation.UNWRAP,
                                DataOperation.GENERATE_DATA_KEY, DataOperation.REWRAP)))).build();
        ApprovalRequest done = approve(on.adminKeys().createKey(request).getApprovalRequest(), on, on);
        if (done.getState() != ApprovalState.EXECUTED) {
            throw new IllegalStateException("key creation not executed: " + done.getState() + " "
                    + done.getFailureReason() + " " + done.getFailureMessage());
        }
        return done.getResult();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Node node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        nodes.clear();
        db.dropSchema(schema);
        if (first != null) {
            throw first;
        }
    }
}
