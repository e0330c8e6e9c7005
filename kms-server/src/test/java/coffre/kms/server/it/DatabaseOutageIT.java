package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.config.StoreSettings;
import coffre.kms.server.testing.ClusterCalls;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.TcpProxy;
import coffre.kms.server.testing.TestCluster;
import coffre.kms.server.testing.TestCluster.Node;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.ListApprovalRequestsRequest;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose PostgreSQL becomes unreachable (a relay in front of the real, shared database is
 * cut, so the database itself keeps serving other tests): readiness turns off at the first failed
 * audit write, calls fail within the store's connection timeout however many wait at once, and
 * the node comes back by itself, without a call, once the database is reachable again.
 */
class DatabaseOutageIT {
    private static final byte[] PLAINTEXT = "outage test plaintext".getBytes(StandardCharsets.UTF_8);
    /** The bound the issue asks for: the failure within connectionTimeout, plus this for scheduling. */
    private static final Duration MARGIN = Duration.ofMillis(750);

    @TempDir
    Path dir;

    private PostgresTestDatabase db;
    private TcpProxy proxy;
    private TestCluster cluster;
    private Duration connectionTimeout;

    @BeforeEach
    void start() {
        db = PostgresTestDatabase.require();
        URI target = URI.create(db.url().substring("jdbc:".length()));
        proxy = TcpProxy.to(target.getHost(), target.getPort());
        String viaProxy = db.url().replace(target.getHost() + ":" + target.getPort(), "127.0.0.1:" + proxy.port());
        cluster = TestCluster.start(dir, db, 1, () -> Pkcs11Hsm.open(SoftHsmTestToken.get().config(TestCluster.SESSIONS)),
                Duration.ofSeconds(30), settings -> {
                    StoreSettings.Postgres pg = settings.postgres();
                    return StoreSettings.postgres(new StoreSettings.Postgres(viaProxy, pg.user(), pg.passwordFile(),
                            pg.passwordEnv(), pg.schema(), pg.poolSize(), pg.connectionTimeout()),
                            settings.refreshInterval());
                });
        connectionTimeout = db.settings("unused").postgres().connectionTimeout();
    }

    @AfterEach
    void stop() {
        proxy.restore();
        cluster.close();
        proxy.close();
    }

    private static ServingStatus health(Node node) {
        return HealthGrpc.newBlockingStub(node.adminChannel()).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private static Errors.Seen wrapFailure(CryptoServiceGrpc.CryptoServiceBlockingStub crypto, String keyId) {
        Errors.Seen seen = ClusterCalls.wrapRefusal(crypto, keyId, PLAINTEXT);
        assertTrue(seen != null, "a wrap succeeded while the database was unreachable");
        assertEquals(Status.Code.UNAVAILABLE, seen.code(), seen.toString());
        assertEquals("AUDIT_UNAVAILABLE", seen.reason(), seen.toString());
        return seen;
    }

    @Test
    void readinessFollowsTheFirstFailedAuditWriteAndCallsFailWithinTheConnectionTimeout() throws Exception {
        Node node = cluster.node(0);
        String keyId = cluster.createKey(node);
        // Two connections, each already open (TLS done), so each call reaches the node at once.
        CryptoServiceGrpc.CryptoServiceBlockingStub one = node.serviceCrypto();
        CryptoServiceGrpc.CryptoServiceBlockingStub two = node.serviceCrypto();
        byte[] envelope = ClusterCalls.wrap(one, keyId, PLAINTEXT);
        ClusterCalls.wrap(two, keyId, PLAINTEXT);
        assertEquals(ServingStatus.SERVING, health(node));

        proxy.cut();
        wrapFailure(one, keyId);
        // At once: no deep check has run since (the next is 15 s after the last).
        assertEquals(ServingStatus.NOT_SERVING, health(node), "readiness after the first failed audit write");

        // Now each audit write waits for a connection that does not come. A second call arrives
        // while the first one's write waits: it must not wait for that write and then for its own.
        long firstStarted = System.nanoTime();
        CompletableFuture<Duration> first = CompletableFuture.supplyAsync(() -> {
            wrapFailure(one, keyId);
            return Duration.ofNanos(System.nanoTime() - firstStarted);
        });
        Thread.sleep(500);
        long started = System.nanoTime();
        wrapFailure(two, keyId);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        Duration firstWaited = first.get(30, TimeUnit.SECONDS);
        System.out.printf("two concurrent calls failed after %d and %d ms (connectionTimeout %d ms)%n",
                firstWaited.toMillis(), waited.toMillis(), connectionTimeout.toMillis());
        for (Duration each : java.util.List.of(firstWaited, waited)) {
            assertTrue(each.compareTo(connectionTimeout.plus(MARGIN)) <= 0, "a call waited " + each.toMillis()
                    + " ms; the bound is connectionTimeout " + connectionTimeout.toMillis() + " ms (+"
                    + MARGIN.toMillis() + " ms)");
        }
        assertEquals(ServingStatus.NOT_SERVING, health(node));

        proxy.restore();
        // No call is made: the node must find its way back by itself (a load balancer sends none).
        Duration back = ClusterCalls.await("SERVING again after the database came back", Duration.ofSeconds(30),
                () -> health(node) == ServingStatus.SERVING);
        System.out.printf("SERVING again %d ms after the database came back%n", back.toMillis());
        assertArrayEquals(PLAINTEXT, ClusterCalls.unwrap(one, envelope));
    }

    /**
     * An admin call that needs the store, first to meet the outage: it waits for a connection
     * (connectionTimeout), and must not then wait as long again for its own audit event.
     */
    @Test
    void aCallThatNeedsTheStoreFailsWithinTheConnectionTimeoutToo() {
        Node node = cluster.node(0);
        ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals = node.adminApprovals()
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        approvals.listApprovalRequests(ListApprovalRequestsRequest.getDefaultInstance());

        proxy.cut();
        long started = System.nanoTime();
        io.grpc.StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                io.grpc.StatusRuntimeException.class,
                () -> approvals.listApprovalRequests(ListApprovalRequestsRequest.getDefaultInstance()));
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        Errors.Seen seen = Errors.of(refused);
        System.out.printf("an admin call failed with %s after %d ms (connectionTimeout %d ms)%n", seen.reason(),
                waited.toMillis(), connectionTimeout.toMillis());
        assertEquals(Status.Code.UNAVAILABLE, seen.code(), seen.toString());
        assertTrue(java.util.Set.of("STORE_UNAVAILABLE", "AUDIT_UNAVAILABLE").contains(seen.reason()), seen.toString());
        assertTrue(waited.compareTo(connectionTimeout.plus(MARGIN)) <= 0, "the call waited " + waited.toMillis()
                + " ms; the bound is connectionTimeout " + connectionTimeout.toMillis() + " ms (+" + MARGIN.toMillis()
                + " ms)");
        assertEquals(ServingStatus.NOT_SERVING, health(node), "readiness after a failed store call");
    }
}
