package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.StaticAddresses;
import coffre.kms.server.testing.TestCluster;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.VerifyAuditChainRequest;
import coffre.kms.v1.VerifyAuditChainResponse;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate server processes on one PostgreSQL and one SoftHSM token: a client with the settings of
 * docs/client-settings.md (all nodes, round robin, retry on UNAVAILABLE) keeps wrapping while one
 * node is killed with SIGKILL; every wrap it was answered opens on the surviving nodes, and every
 * node's audit chain still verifies.
 */
class ProcessFailoverIT {
    @TempDir
    Path dir;

    private static final String SERVICE_CONFIG = """
            {"loadBalancingConfig": [{"round_robin": {}}],
             "methodConfig": [{"name": [{"service": "coffre.kms.v1.CryptoService"}],
               "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.05s", "maxBackoff": "1s",
                               "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}""";

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process startNode(TestCluster cluster, PostgresTestDatabase db, String id, int port) throws IOException {
        Path config = dir.resolve(id + ".yaml");
        Files.writeString(config, String.join("\n",
                "node: {id: " + id + "}",
                "server: {host: 127.0.0.1, port: " + port + "}",
                "tls:",
                "  certificate: " + cluster.serverCertificate().certificate(),
                "  privateKey: " + cluster.serverCertificate().privateKey(),
                "  clientCa: " + cluster.pki().caFile(),
                "hsm: {profile: softhsm2, tokenLabel: " + SoftHsmTestToken.get().label() + ", pinFile: "
                        + SoftHsmTestToken.get().pinFile() + ", sessions: 2}",
                "store: {type: postgres, url: '" + db.url() + "', user: " + db.user() + ", passwordFile: "
                        + db.passwordFile() + ", schema: " + cluster.schema() + "}",
                "authorization:",
                "  administrators: ['" + TestCluster.ADMIN + "']",
                "  officers: ['spiffe://coffre.test/officer/*']",
                "  clients: ['spiffe://coffre.test/service/*']",
                ""), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "coffre.kms.server.Main", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(id + ".log").toFile());
        Process process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(id + " stopped: " + Files.readString(dir.resolve(id + ".log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return process;
            } catch (IOException notYet) {
                sleep(200);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(id + " does not listen after 60 s");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theClientGoesOnWhenANodeIsKilledAndNothingAnsweredIsLost() throws Exception {
        PostgresTestDatabase db = PostgresTestDatabase.require();
        NameResolverRegistry.getDefaultRegistry().register(new StaticAddresses());
        List<Process> processes = new ArrayList<>();
        try (TestCluster cluster = TestCluster.start(dir, db, 1,
                () -> Pkcs11Hsm.open(SoftHsmTestToken.get().config(2)), Duration.ofSeconds(30))) {
            String keyId = cluster.createKey(cluster.node(0));
            int portB = freePort();
            int portC = freePort();
            processes.add(startNode(cluster, db, "node-b", portB));
            processes.add(startNode(cluster, db, "node-c", portC));

            ManagedChannel channel = NettyChannelBuilder.forTarget(StaticAddresses.target(List.of(portB, portC)))
                    .sslContext(GrpcSslContexts.forClient().trustManager(cluster.pki().caFile().toFile())
                            .keyManager(cluster.serviceIdentity().certificate().toFile(),
                                    cluster.serviceIdentity().privateKey().toFile()).build())
                    .defaultServiceConfig(new com.google.gson.Gson().fromJson(SERVICE_CONFIG, Map.class))
                    .enableRetry()
                    .build();
            try {
                CryptoServiceGrpc.CryptoServiceBlockingStub crypto = CryptoServiceGrpc.newBlockingStub(channel);
                Map<ByteString, ByteString> acknowledged = new ConcurrentHashMap<>();
                AtomicInteger failures = new AtomicInteger();
                AtomicInteger afterKill = new AtomicInteger();
                List<Status.Code> codes = java.util.Collections.synchronizedList(new ArrayList<>());
                long killAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                long endAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                boolean killed = false;
                int i = 0;
                while (System.nanoTime() < endAt) {
                    if (!killed && System.nanoTime() > killAt) {
                        processes.get(0).destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
                        killed = true;
                    }
                    ByteString plaintext = ByteString.copyFromUtf8("record-" + i++);
                    try {
                        ByteString envelope = crypto.withDeadlineAfter(5, TimeUnit.SECONDS).wrap(WrapRequest.newBuilder()
                                .setKeyId(keyId).setPlaintext(plaintext).build()).getEnvelope();
                        acknowledged.put(envelope, plaintext);
                        if (killed) {
                            afterKill.incrementAndGet();
                        }
                    } catch (StatusRuntimeException e) {
                        failures.incrementAndGet();
                        codes.add(e.getStatus().getCode());
                    }
                }
                System.out.printf("failover: %d wraps answered (%d after the kill), %d failed %s%n",
                        acknowledged.size(), afterKill.get(), failures.get(), codes);
                assertTrue(afterKill.get() > 20, "the client went on after the kill: " + afterKill.get());
                assertTrue(codes.stream().allMatch(c -> c == Status.Code.UNAVAILABLE), codes.toString());
                assertTrue(failures.get() <= acknowledged.size() / 20, "retries hide the kill from almost every call");

                // Every answered wrap opens on the nodes still up.
                CryptoServiceGrpc.CryptoServiceBlockingStub survivor = cluster.node(0).serviceCrypto();
                for (Map.Entry<ByteString, ByteString> e : acknowledged.entrySet()) {
                    assertArrayEquals(e.getValue().toByteArray(), survivor.unwrap(UnwrapRequest.newBuilder()
                            .setEnvelope(e.getKey()).build()).getPlaintext().toByteArray());
                }
            } finally {
                channel.shutdownNow();
            }
            VerifyAuditChainResponse audit = coffre.kms.v1.AuditServiceGrpc.newBlockingStub(
                    cluster.node(0).adminChannel()).verifyChain(VerifyAuditChainRequest.getDefaultInstance());
            assertTrue(audit.getValid(), audit.toString());
            assertEquals(3, audit.getChainsCount(), "one chain per node, the killed one's included");
        } finally {
            processes.forEach(Process::destroyForcibly);
            for (Process p : processes) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
