package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.config.DkeSettings;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyVersionMetadata;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.MapDkeKeyRequest;
import com.google.protobuf.ByteString;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RSA-3072 OAEP decryptions per second on one node (SoftHSM), in one run: straight into the HSM
 * (the adapter, no Coffre around it), through gRPC {@code AsymmetricDecrypt}, and through the DKE
 * listener (HTTPS, HTTP/2, a bearer token validated per call) — the same key, ciphertext and
 * concurrency. A benchmark for the lead, not a test: its figures are printed, never asserted (only
 * that every call succeeded). Not run by the suites (its name matches no test pattern); run it with
 * {@code bash deploy/bench/dke.sh} (docs/performance.md).
 */
class DkeThroughputBench {
    static final String SERVICE = "https://dke.example.eu";
    static final int THREADS = Integer.getInteger("dke.bench.threads", 16);
    static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("dke.bench.warmUpSeconds", 3));
    static final Duration MEASURED = Duration.ofSeconds(Long.getLong("dke.bench.seconds", 10));

    @TempDir
    Path dir;

    /** Calls {@code call} on {@link #THREADS} threads for the warm-up then the measured time; returns calls/s and p50/p99 µs. */
    static String run(String name, BooleanSupplier call) throws InterruptedException {
        for (Duration phase : List.of(WARM_UP, MEASURED)) {
            AtomicLong failures = new AtomicLong();
            List<long[]> latencies = new ArrayList<>();
            long end = System.nanoTime() + phase.toNanos();
            CountDownLatch done = new CountDownLatch(THREADS);
            long started = System.nanoTime();
            for (int t = 0; t < THREADS; t++) {
                long[] mine = new long[2_000_000];
                synchronized (latencies) {
                    latencies.add(mine);
                }
                Thread.ofPlatform().start(() -> {
                    int n = 1;
                    try {
                        while (System.nanoTime() < end && n < mine.length) {
                            long t0 = System.nanoTime();
                            if (!call.getAsBoolean()) {
                                failures.incrementAndGet();
                            }
                            mine[n++] = System.nanoTime() - t0;
                        }
                    } finally {
                        mine[0] = n - 1;
                        done.countDown();
                    }
                });
            }
            done.await();
            double seconds = (System.nanoTime() - started) / 1e9;
            if (phase == WARM_UP) {
                continue;
            }
            long total = latencies.stream().mapToLong(l -> l[0]).sum();
            long[] all = new long[(int) total];
            int i = 0;
            for (long[] l : latencies) {
                System.arraycopy(l, 1, all, i, (int) l[0]);
                i += (int) l[0];
            }
            Arrays.sort(all);
            assertEquals(0, failures.get(), name + ": failed calls");
            assertTrue(total > 0, name + ": no call finished");
            return String.format("%-34s %8.0f decrypts/s   p50 %6.2f ms   p99 %6.2f ms   (%d calls, %d threads, %.1f s)",
                    name, total / seconds, all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6, total,
                    THREADS, seconds);
        }
        throw new IllegalStateException("unreachable");
    }

    @Test
    void rsa3072OaepDecryptsPerSecondRawGrpcAndDke() throws Exception {
        TestIssuer issuer = new TestIssuer(SERVICE);
        Path jwks = dir.resolve("tenant-jwks.json");
        Files.writeString(jwks, issuer.jwks());
        try (TestServer node = TestServer.startWithDke(dir.resolve("node"), pki -> {
            TestPki.Issued tls = pki.server("dke-server");
            return new DkeSettings("127.0.0.1", 0, tls.certificate(), tls.privateKey(), URI.create(SERVICE),
                    List.of(TestIssuer.ISSUER), jwks, null, null, Set.of("RS256"), Duration.ofSeconds(30),
                    Duration.ofHours(1), Duration.ofSeconds(30), DkeSettings.DEFAULT_AUTHORIZATION_URL,
                    Duration.ofHours(1), false, Duration.ofSeconds(30), 1024);
        })) {
            CreateKeyRequest request = CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_3072)
                    .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT).setAccessPolicy(AccessPolicy.newBuilder()
                            .addRules(AccessRule.newBuilder().addPrincipals("dke:*").addPrincipals(TestServer.SERVICE)
                                    .addOperations(DataOperation.GET_PUBLIC_KEY).addOperations(DataOperation.DECRYPT)))
                    .build();
            String keyId = node.approve(node.adminKeys().createKey(request).getApprovalRequest()).getResult();
            assertEquals(ApprovalState.EXECUTED, node.approve(node.adminDke().mapKey(MapDkeKeyRequest.newBuilder()
                    .setKeyName("bench").setKeyId(keyId).build()).getApprovalRequest()).getState());

            String token = issuer.token("bench@example.eu");
            DkeTestClient dke = new DkeTestClient(node.dkePort(), node.pki().caFile(), HttpClient.Version.HTTP_2);
            DkeTestClient.PublicKey key = dke.publicKey("bench", token);
            byte[] ciphertext = DkeTestClient.encrypt(key.key(), new byte[32]);

            List<String> lines = new ArrayList<>();
            try (Hsm raw = Pkcs11Hsm.open(SoftHsmTestToken.get().config(4))) {
                HsmKeyRef privateKey = raw.findKeyPair(KeyVersionMetadata.hsmLabelFor(new KeyId(keyId), 1))
                        .orElseThrow().privateKey();
                lines.add(run("raw HSM (Pkcs11Hsm.rsaOaepDecrypt)", () -> raw.rsaOaepDecrypt(privateKey, ciphertext).length == 32));
            }
            CryptoServiceGrpc.CryptoServiceBlockingStub grpc = node.serviceCrypto();
            AsymmetricDecryptRequest grpcRequest = AsymmetricDecryptRequest.newBuilder().setKeyId(keyId)
                    .setKeyVersion(1).setCiphertext(ByteString.copyFrom(ciphertext)).build();
            lines.add(run("gRPC AsymmetricDecrypt", () -> grpc.asymmetricDecrypt(grpcRequest).getPlaintext().size() == 32));
            lines.add(run("DKE POST /bench/1/decrypt (HTTP/2)", () -> dke.decrypt(key.kid(), token, ciphertext).status() == 200));
            System.out.println("DkeThroughputBench: RSA-3072 OAEP (SHA-256) decryptions, one node on SoftHSM, "
                    + Runtime.getRuntime().availableProcessors() + " cores");
            lines.forEach(line -> System.out.println("DkeThroughputBench: " + line));
        }
    }
}
