package coffre.kms.server.testing;

import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Coffre node of a {@link TestCluster} running as a separate process: {@code coffre.kms.server.Main}
 * in a child JVM on the test classpath, started from a YAML configuration as operators start it,
 * sharing the cluster's PostgreSQL schema, PKI and server certificate, and the shared SoftHSM test
 * token. Unlike a node in the test JVM it can be killed with SIGKILL (no shutdown hook, nothing
 * flushed), which is what a crash of one machine of a cluster looks like.
 *
 * <p>{@link #start} returns once the node's gRPC health service answers {@code SERVING} (its deep
 * check has passed a real HSM round trip and a store query), or fails within {@link #START_BOUND}
 * with the tail of the node's log. The log (stdout and stderr) stays in the directory given to
 * {@code start}, the test's temporary directory.
 *
 * <p>Client stubs use one channel per identity (the cluster's administrator, a certificate of its
 * own with the same principal, and the cluster's service identity), with the same
 * {@link SecretRecorder} as {@link TestCluster}'s nodes, so plaintexts sent and received reach the
 * leak scan's ledger. {@link #close()} closes them and kills the process.
 */
public final class ServerProcess implements AutoCloseable {
    /** How long a node may take from launch to {@code SERVING}. */
    public static final Duration START_BOUND = Duration.ofSeconds(60);
    /** Where the nodes' logs go (the tests run in the module's directory). */
    private static final Path LOGS = Path.of("target", "server-processes");
    private static final int LOG_TAIL_LINES = 40;

    private final String id;
    private final int port;
    private final Path log;
    private final Process process;
    private final ManagedChannel admin;
    private final ManagedChannel service;

    private ServerProcess(String id, int port, Path log, Process process, ManagedChannel admin, ManagedChannel service) {
        this.id = id;
        this.port = port;
        this.log = log;
        this.process = process;
        this.admin = admin;
        this.service = service;
    }

    /**
     * Starts node {@code id} of {@code cluster} on a free port of 127.0.0.1; its configuration
     * ({@code id.yaml}) is written in {@code dir}, its log in {@code target/server-processes/} (read by the leak scan).
     *
     * @throws IllegalStateException with the log's tail, if the node exits or is not serving
     *                               within {@link #START_BOUND}
     */
    public static ServerProcess start(TestCluster cluster, PostgresTestDatabase db, Path dir, String id) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(cluster, db, dir, id);
            } catch (IllegalStateException e) {
                // SoftHSM 2.6 rewrites a token's files in place: a process that lists the slots
                // while another one (a node starting beside it) writes them may find no token at all.
                // A real HSM has no such window; the test retries that one failure, nothing else.
                if (attempt == 3 || !e.getMessage().contains("no initialised token labelled")) {
                    throw e;
                }
                System.out.printf("node %s found no SoftHSM token while starting (attempt %d); starting it again%n",
                        id, attempt);
            }
        }
    }

    private static ServerProcess startOnce(TestCluster cluster, PostgresTestDatabase db, Path dir, String id) {
        int port = freePort();
        Path config = dir.resolve(id + ".yaml");
        // Under the module's target/, where the suite's leak scan reads every *.log, not in the temp dir.
        Path log = LOGS.resolve(dir.getFileName() + "-" + id + ".log").toAbsolutePath();
        try {
            Files.createDirectories(LOGS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + LOGS, e);
        }
        write(config, String.join("\n",
                "node: {id: " + id + "}",
                "server: {host: 127.0.0.1, port: " + port + "}",
                "tls:",
                "  certificate: " + cluster.serverCertificate().certificate(),
                "  privateKey: " + cluster.serverCertificate().privateKey(),
                "  clientCa: " + cluster.pki().caFile(),
                "hsm: {profile: softhsm2, tokenLabel: " + SoftHsmTestToken.get().label() + ", pinFile: "
                        + SoftHsmTestToken.get().pinFile() + ", sessions: " + TestCluster.SESSIONS + "}",
                // As PostgresTestDatabase.settings gives the cluster's nodes in the test JVM.
                "store: {type: postgres, url: '" + db.url() + "', user: " + db.user() + ", passwordFile: "
                        + db.passwordFile() + ", schema: " + cluster.schema() + ", poolSize: 4,"
                        + " connectionTimeout: PT2S}",
                "authorization:",
                "  administrators: ['" + TestCluster.ADMIN + "']",
                "  officers: ['spiffe://coffre.test/officer/*']",
                "  clients: ['spiffe://coffre.test/service/*']",
                ""));
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A test node serves a few hundred calls: C1 alone and the serial collector start it
                // about a third faster on a 2-core machine, and leave the cores to the other nodes.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "coffre.kms.server.Main", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Every setting is in the file: a COFFRE_* override left in the developer's environment must
        // not change it. SOFTHSM2_CONF (the test token) and COFFRE_TEST_* are kept.
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("COFFRE_") && !name.startsWith("COFFRE_TEST_"));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch node " + id, e);
        }
        ManagedChannel admin = null;
        ManagedChannel service = null;
        try {
            admin = channel(cluster, cluster.pki().clientWithUri("admin-" + id, TestCluster.ADMIN), port);
            service = channel(cluster, cluster.serviceIdentity(), port);
            ServerProcess node = new ServerProcess(id, port, log, process, admin, service);
            node.awaitServing();
            return node;
        } catch (RuntimeException e) {
            process.destroyForcibly();
            waitFor(process);
            for (ManagedChannel channel : new ManagedChannel[] {admin, service}) {
                if (channel != null) {
                    channel.shutdownNow();
                }
            }
            throw e;
        }
    }

    private void awaitServing() {
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        // The port first: a channel that met a closed port would back off for seconds before retrying.
        while (!listens()) {
            checkAlive(deadline, "does not listen");
            sleep(100);
        }
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(admin);
        ServingStatus last = null;
        while (true) {
            try {
                last = health.withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                        .getStatus();
                if (last == ServingStatus.SERVING) {
                    return;
                }
            } catch (StatusRuntimeException e) {
                admin.resetConnectBackoff();
            }
            checkAlive(deadline, "is not SERVING (last health status: " + last + ")");
            sleep(100);
        }
    }

    private boolean listens() {
        try (Socket probe = new Socket("127.0.0.1", port)) {
            return probe.isConnected();
        } catch (IOException notYet) {
            return false;
        }
    }

    private void checkAlive(long deadline, String notReady) {
        if (!process.isAlive()) {
            throw new IllegalStateException("node " + id + " exited with status " + process.exitValue()
                    + " while starting; the end of " + log + ":\n" + logTail(LOG_TAIL_LINES));
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("node " + id + " " + notReady + " " + START_BOUND.toSeconds()
                    + " s after its launch; the end of " + log + ":\n" + logTail(LOG_TAIL_LINES));
        }
    }

    private static ManagedChannel channel(TestCluster cluster, TestPki.Issued identity, int port) {
        try {
            return NettyChannelBuilder.forAddress("127.0.0.1", port)
                    .sslContext(GrpcSslContexts.forClient().trustManager(cluster.pki().caFile().toFile())
                            .keyManager(identity.certificate().toFile(), identity.privateKey().toFile()).build())
                    .intercept(new SecretRecorder())
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String id() {
        return id;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The node's stdout and stderr. */
    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The last {@code lines} lines of the node's log (for failure messages). */
    public String logTail(int lines) {
        List<String> all = logLines();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Every line the node has logged so far. */
    public List<String> logLines() {
        try {
            // Lenient decoding: a failure message must not fail on a stray byte.
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList()
                    : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    /**
     * Writes the node's thread dump ({@code jcmd PID Thread.print}) beside its log, for the message
     * of a test that found the node stuck; returns the file.
     */
    public Path threadDump() {
        Path file = log.resolveSibling(id + "-threads-" + System.currentTimeMillis() + ".txt");
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(file.toFile()).start();
            if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run jcmd for node " + id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dumping the threads of node " + id, e);
        }
        return file;
    }

    /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed. Waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        waitFor(process);
    }

    /**
     * SIGTERM: the node's shutdown hook stops serving, flushes its audit log and closes the store.
     *
     * @throws IllegalStateException if it has not exited within 30 s (it is then killed)
     */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
                throw new IllegalStateException("node " + id + " did not stop within 30 s of SIGTERM; killed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping node " + id, e);
        }
    }

    /** A channel to this node as the cluster's administrator. */
    public ManagedChannel adminChannel() {
        return admin;
    }

    public KeyServiceGrpc.KeyServiceBlockingStub adminKeys() {
        return KeyServiceGrpc.newBlockingStub(admin);
    }

    public ApprovalServiceGrpc.ApprovalServiceBlockingStub adminApprovals() {
        return ApprovalServiceGrpc.newBlockingStub(admin);
    }

    public AuditServiceGrpc.AuditServiceBlockingStub adminAudit() {
        return AuditServiceGrpc.newBlockingStub(admin);
    }

    /** CryptoService as the cluster's service identity ({@link TestCluster#SERVICE}). */
    public CryptoServiceGrpc.CryptoServiceBlockingStub serviceCrypto() {
        return CryptoServiceGrpc.newBlockingStub(service);
    }

    /** Closes the channels and kills the process (SIGKILL). */
    @Override
    public void close() {
        admin.shutdownNow();
        service.shutdownNow();
        kill();
    }

    @Override
    public String toString() {
        return id;
    }

    private static void waitFor(Process process) {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " still runs 10 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for process " + process.pid(), e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
