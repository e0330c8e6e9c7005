package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.config.DkeSettings;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.TestCluster;
import coffre.kms.server.testing.TestPki;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DkeKeyMappingOperation;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.MapDkeKeyRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.UnmapDkeKeyRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on the shared test PostgreSQL (a fresh schema; the database is never stopped or
 * restarted), each with its DKE listener and one PKCS#11 instance on one SoftHSM token: an RSA key
 * made and mapped through node A is served by node B; a key disabled on node A (one officer, the
 * kill switch) makes node B refuse both the decrypt and the public key within a second, and a
 * name unmapped on node A answers 404 on node B within a second — through the change feed alone.
 * Each delay is measured and printed.
 */
class DkeClusterIT {
    static final String SERVICE = "https://dke.example.eu";
    private static final Duration WITHIN = Duration.ofSeconds(1);

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static TestCluster.Node a;
    static TestCluster.Node b;
    static TestIssuer issuer;

    @BeforeAll
    static void start() throws Exception {
        PostgresTestDatabase db = PostgresTestDatabase.require();
        issuer = new TestIssuer(SERVICE);
        Path jwksFile = dir.resolve("tenant-jwks.json");
        java.nio.file.Files.writeString(jwksFile, issuer.jwks());
        Supplier<coffre.hsm.Hsm> hsm = () -> Pkcs11Hsm.open(SoftHsmTestToken.get().config(TestCluster.SESSIONS));
        cluster = TestCluster.startWithDke(dir, db, 2, hsm, pki -> {
            TestPki.Issued tls = pki.server("dke-server");
            return new DkeSettings("127.0.0.1", 0, tls.certificate(), tls.privateKey(), URI.create(SERVICE),
                    List.of(TestIssuer.ISSUER), jwksFile, null, null, Set.of("RS256"), Duration.ofSeconds(30),
                    Duration.ofHours(1), Duration.ofSeconds(1), DkeSettings.DEFAULT_AUTHORIZATION_URL,
                    Duration.ofMinutes(10), false, Duration.ofSeconds(10), 64);
        });
        a = cluster.node(0);
        b = cluster.node(1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ApprovalRequest executed(ApprovalRequest request) {
        ApprovalRequest done = cluster.approve(request, a, a);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    private static coffre.kms.v1.OfficerSignature alice(Operation operation) {
        return cluster.officers().get("alice").actNow(operation, Instant.now());
    }

    /** An RSA-2048 decryption key every dke: user may use, made and mapped to {@code name} on node A. */
    private static String mappedKey(String name) {
        CreateKeyRequest request = CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_2048)
                .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT)
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder().addPrincipals("dke:*")
                        .addOperations(DataOperation.GET_PUBLIC_KEY).addOperations(DataOperation.DECRYPT))).build();
        String keyId = executed(a.adminKeys().createKey(request).getApprovalRequest()).getResult();
        executed(a.adminDke().mapKey(MapDkeKeyRequest.newBuilder().setKeyName(name).setKeyId(keyId).build())
                .getApprovalRequest());
        return keyId;
    }

    private static DkeTestClient client(TestCluster.Node node) {
        return new DkeTestClient(node.dkePort(), cluster.pki().caFile(), HttpClient.Version.HTTP_2);
    }

    /** Calls until {@code seen} holds or {@code limit} passes; returns the milliseconds taken and the last answer. */
    private static long until(Supplier<DkeTestClient.Response> call, Predicate<DkeTestClient.Response> seen,
                              Duration limit, DkeTestClient.Response[] last) throws InterruptedException {
        long start = System.nanoTime();
        DkeTestClient.Response answer = call.get();
        while (!seen.test(answer) && System.nanoTime() - start < limit.toNanos()) {
            Thread.sleep(5);
            answer = call.get();
        }
        last[0] = answer;
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    private static long propagated(String what, Supplier<DkeTestClient.Response> call, int status)
            throws InterruptedException {
        DkeTestClient.Response[] last = new DkeTestClient.Response[1];
        long took = until(call, r -> r.status() == status, Duration.ofSeconds(5), last);
        assertEquals(status, last[0].status(), what + ": " + last[0].body());
        System.out.println("DkeClusterIT: " + what + ": node B answered " + status + " after " + took + " ms");
        assertTrue(took < WITHIN.toMillis(), what + ": node B took " + took + " ms");
        return took;
    }

    @Test
    void aKeyDisabledOnOneNodeStopsServingOnTheOtherWithinASecond() throws Exception {
        String keyId = mappedKey("kill");
        String token = issuer.token("frank@example.eu");
        DkeTestClient onB = client(b);
        DkeTestClient.Response[] last = new DkeTestClient.Response[1];
        until(() -> onB.get("/kill", token), r -> r.status() == 200, Duration.ofSeconds(10), last);
        assertEquals(200, last[0].status(), "node B serves what node A made: " + last[0].body());
        DkeTestClient.PublicKey key = onB.publicKey("kill", token);
        byte[] ciphertext = DkeTestClient.encrypt(key.key(), new byte[32]);
        assertEquals(200, onB.decrypt(key.kid(), token, ciphertext).status());

        Operation op = Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(keyId)).build();
        a.adminKeys().disableKey(DisableKeyRequest.newBuilder().setKeyId(keyId).setSignature(alice(op)).build());
        propagated("a key disabled on node A: decrypt", () -> onB.decrypt(key.kid(), token, ciphertext), 403);
        assertEquals(403, onB.get("/kill", token).status(), "nor is its public key handed out");
    }

    @Test
    void aNameUnmappedOnOneNodeIsUnknownToTheOtherWithinASecond() throws Exception {
        mappedKey("gone");
        String token = issuer.token("grace@example.eu");
        DkeTestClient onB = client(b);
        DkeTestClient.Response[] last = new DkeTestClient.Response[1];
        long served = until(() -> onB.get("/gone", token), r -> r.status() == 200, Duration.ofSeconds(10), last);
        assertEquals(200, last[0].status(), last[0].body());
        System.out.println("DkeClusterIT: node B served the name mapped on node A after " + served + " ms");
        Operation op = Operation.newBuilder().setUnmapDkeKey(DkeKeyMappingOperation.newBuilder().setKeyName("gone")).build();
        a.adminDke().unmapKey(UnmapDkeKeyRequest.newBuilder().setKeyName("gone").setSignature(alice(op)).build());
        propagated("a name unmapped on node A", () -> onB.get("/gone", token), 404);
    }
}
