package coffre.kms.server.testing;

import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.v1.AuditServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TestServer}'s node started again as a process of its own (same token, embedded store,
 * PKI and authorization), with JVM options of the test's choosing — e.g. the heap that
 * {@code deploy/bin/coffre-server} gives a node — so that a test can check what a real node
 * does with them. Its log goes under {@code target/server-processes/} (read by the leak scan).
 */
public final class ForkedNode implements AutoCloseable {
    /** How long the node may take from launch to {@code SERVING}. */
    public static final long START_BOUND_SECONDS = 120;

    private final Process process;
    private final Path log;
    private final ManagedChannel admin;
    private final TestPki pki;
    private final int port;
    private final List<ManagedChannel> others = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ForkedNode(Process process, Path log, ManagedChannel admin, TestPki pki, int port) {
        this.process = process;
        this.log = log;
        this.admin = admin;
        this.pki = pki;
        this.port = port;
    }

    /** As {@link #start(Path, TestPki, TestPki.Issued, TestPki.Issued, List, List)}, with no extra settings. */
    static ForkedNode start(Path dir, TestPki pki, TestPki.Issued serverCert, TestPki.Issued admin,
                            List<String> jvmOptions) {
        return start(dir, pki, serverCert, admin, jvmOptions, List.of());
    }

    /** {@code settings}: more YAML lines for the node's configuration (whole top-level sections). */
    static ForkedNode start(Path dir, TestPki pki, TestPki.Issued serverCert, TestPki.Issued admin,
                            List<String> jvmOptions, List<String> settings) {
        int port = freePort();
        Path config = dir.resolve("forked.yaml");
        Path log = Path.of("target", "server-processes", dir.getFileName() + "-forked.log").toAbsolutePath();
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(config, String.join("\n",
                    "node: {id: test-1}",
                    "server: {host: 127.0.0.1, port: " + port + "}",
                    "tls:",
                    "  certificate: " + serverCert.certificate(),
                    "  privateKey: " + serverCert.privateKey(),
                    "  clientCa: " + pki.caFile(),
                    "hsm: {profile: softhsm2, tokenLabel: " + SoftHsmTestToken.get().label() + ", pinFile: "
                            + SoftHsmTestToken.get().pinFile() + ", sessions: " + TestServer.SESSIONS + "}",
                    "store: {type: h2, path: " + dir.resolve("data/coffre").toAbsolutePath() + "}",
                    "authorization:",
                    "  administrators: ['" + TestServer.ADMIN + "', '" + TestServer.ALICE + "']",
                    "  officers: ['spiffe://coffre.test/officer/*']",
                    "  clients: ['spiffe://coffre.test/service/*']",
                    String.join("\n", settings),
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "coffre.kms.server.Main", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("COFFRE_") && !name.startsWith("COFFRE_TEST_"));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch the forked node", e);
        }
        ManagedChannel channel;
        try {
            channel = channel(pki, admin, port);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        ForkedNode node = new ForkedNode(process, log, channel, pki, port);
        try {
            node.awaitServing(port);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void awaitServing(int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_BOUND_SECONDS);
        while (!listens(port)) {
            checkAlive(deadline);
            sleep();
        }
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(admin);
        while (true) {
            try {
                if (health.withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                        .getStatus() == ServingStatus.SERVING) {
                    return;
                }
            } catch (StatusRuntimeException e) {
                admin.resetConnectBackoff();
            }
            checkAlive(deadline);
            sleep();
        }
    }

    private void checkAlive(long deadline) {
        if (!process.isAlive()) {
            throw new IllegalStateException("the forked node exited with status " + process.exitValue()
                    + " while starting; its log: " + logTail());
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the forked node is not serving " + START_BOUND_SECONDS
                    + " s after its launch; its log: " + logTail());
        }
    }

    /** The last lines of the node's log. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    /** The node's stdout and stderr. */
    public Path log() {
        return log;
    }

    /** A channel to the node as the administrator. */
    public ManagedChannel adminChannel() {
        return admin;
    }

    /** A channel to the node as {@code identity} (a certificate of the node's PKI), closed with the node. */
    public ManagedChannel channelFor(TestPki.Issued identity) {
        ManagedChannel channel = channel(pki, identity, port);
        others.add(channel);
        return channel;
    }

    private static ManagedChannel channel(TestPki pki, TestPki.Issued identity, int port) {
        try {
            return NettyChannelBuilder.forAddress("127.0.0.1", port)
                    .sslContext(GrpcSslContexts.forClient().trustManager(pki.caFile().toFile())
                            .keyManager(identity.certificate().toFile(), identity.privateKey().toFile()).build())
                    .intercept(new SecretRecorder())
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The audit service, as the administrator. */
    public AuditServiceGrpc.AuditServiceBlockingStub adminAudit() {
        return AuditServiceGrpc.newBlockingStub(admin);
    }

    private static boolean listens(int port) {
        try (Socket probe = new Socket("127.0.0.1", port)) {
            return probe.isConnected();
        } catch (IOException notYet) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the forked node", e);
        }
    }

    /** Stops the node (SIGTERM, as an operator would), then kills it if it does not stop. */
    @Override
    public void close() {
        admin.shutdownNow();
        others.forEach(ManagedChannel::shutdownNow);
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
