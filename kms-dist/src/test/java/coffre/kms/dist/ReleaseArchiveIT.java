package coffre.kms.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The release archive that `mvn package` makes is a working installation: unpacked in a temporary
 * directory, its launchers start a node with its own example configuration (adjusted through
 * COFFRE_* environment variables, as an operator would) on a fresh SoftHSM2 token, the node's deep
 * health check passes, the archive's CLI talks to it over mTLS, and it stops on SIGTERM. Its lib/
 * holds exactly the jars its programs' class paths and SBOMs name.
 */
class ReleaseArchiveIT {
    private static final Path ROOT = Path.of(System.getProperty("coffre.root")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("coffre.version");
    private static final Path ARCHIVE = Path.of(System.getProperty("coffre.archive"));
    private static final List<String> PROGRAMS = List.of("kms-server", "kms-cli", "kms-loadtest");
    private static final Duration START_LIMIT = Duration.ofSeconds(90);

    /** Under target/, so that deploy/dev/test.sh's leak scan reads the node's log too. */
    private static final Path work = Path.of("target", "release-archive-it").toAbsolutePath();
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        assertEquals(0, Processes.run(List.of("rm", "-rf", work.toString()), Map.of(), Duration.ofSeconds(60)).exit());
        Files.createDirectories(work);
        assertTrue(Files.isRegularFile(ARCHIVE), "no release archive at " + ARCHIVE + " (mvn package makes it)");
        Processes.Result tar = Processes.run(List.of("tar", "-xzf", ARCHIVE.toString(), "-C", work.toString()),
                Map.of(), Duration.ofSeconds(60));
        assertEquals(0, tar.exit(), tar.output());
        home = work.resolve("coffre-" + VERSION);
        assertTrue(Files.isDirectory(home), "the archive does not unpack into coffre-" + VERSION + "/");
    }

    @Test
    void holdsLaunchersConfigurationUnitSbomAndReadme() {
        for (String launcher : List.of("coffre-server", "coffre", "coffre-loadtest")) {
            assertTrue(Files.isExecutable(home.resolve("bin").resolve(launcher)), "bin/" + launcher + " not executable");
        }
        for (String file : List.of("lib/common.sh", "config/coffre.example.yaml", "systemd/coffre.service",
                "systemd/coffre.yaml", "systemd/coffre.env.example", "systemd/README.md", "README.md",
                "sbom/kms-server.cdx.json", "sbom/kms-cli.cdx.json", "sbom/kms-loadtest.cdx.json")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), "the archive lacks " + file);
        }
    }

    @Test
    void libHoldsExactlyTheJarsOfTheClassPathsAndSboms() throws IOException {
        Set<String> named = new TreeSet<>();
        Set<String> inBoms = new TreeSet<>();
        for (String program : PROGRAMS) {
            List<String> classPath = Files.readAllLines(home.resolve("lib").resolve(program + ".classpath"))
                    .stream().filter(l -> !l.isBlank()).toList();
            assertEquals(program + "-" + VERSION + ".jar", classPath.get(0), program + ": its own jar comes first");
            assertEquals(classPath.size(), new HashSet<>(classPath).size(), program + ": a jar named twice");
            named.addAll(classPath);

            Boms.Bom bom = Boms.read(home.resolve("sbom").resolve(program + ".cdx.json"));
            assertEquals(program, bom.subject().name());
            // The bom lists the dependencies; the class path adds the program's own jar.
            assertEquals(new TreeSet<>(classPath.subList(1, classPath.size())), new TreeSet<>(bom.jarNames()),
                    program + ": class path and SBOM differ");
            for (Boms.Component c : bom.components()) {
                assertEquals(c.sha256(), Boms.sha256(home.resolve("lib").resolve(c.jarName())),
                        program + ": the shipped " + c.jarName() + " is not the one its SBOM names");
            }
            inBoms.addAll(bom.jarNames());
        }
        assertEquals(named, SbomIT.jarsIn(home.resolve("lib")), "lib/ holds a jar no class path names, or lacks one");
        for (String program : PROGRAMS) {
            inBoms.add(program + "-" + VERSION + ".jar");
        }
        assertEquals(named, inBoms);
    }

    @Test
    void startsANodeThatServesAndStopsOnSigterm() throws Exception {
        Path state = Files.createDirectories(work.resolve("node"));
        Path pki = state.resolve("pki");
        Path softhsm = state.resolve("softhsm");
        assertEquals(0, Processes.run(List.of("bash", ROOT.resolve("deploy/dev/pki.sh").toString(), pki.toString()),
                Map.of(), Duration.ofSeconds(60)).exit());
        Processes.Result token = Processes.run(List.of("bash", ROOT.resolve("deploy/dev/softhsm-token.sh").toString(),
                softhsm.toString(), "coffre-dist"), Map.of(), Duration.ofSeconds(60));
        assertEquals(0, token.exit(), token.output());
        String pin = Files.readString(softhsm.resolve("hsm.pin")).strip();
        SecretLedger.record(pin);

        int port = freePort();
        int healthPort = freePort();
        int metricsPort = freePort();
        // The archive's example configuration, unchanged; what differs here comes from the environment.
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOFTHSM2_CONF", softhsm.resolve("softhsm2.conf").toString());
        env.put("COFFRE_NODE_ID", "dist-test");
        env.put("COFFRE_SERVER_PORT", Integer.toString(port));
        env.put("COFFRE_SERVER_HEALTH_PORT", Integer.toString(healthPort));
        env.put("COFFRE_TELEMETRY_METRICS_PORT", Integer.toString(metricsPort));
        env.put("COFFRE_TLS_CERTIFICATE", pki.resolve("server.pem").toString());
        env.put("COFFRE_TLS_PRIVATE_KEY", pki.resolve("server.key").toString());
        env.put("COFFRE_TLS_CLIENT_CA", pki.resolve("ca.pem").toString());
        env.put("COFFRE_HSM_TOKEN_LABEL", "coffre-dist");
        env.put("COFFRE_HSM_PIN_FILE", softhsm.resolve("hsm.pin").toString());
        env.put("COFFRE_STORE_PATH", state.resolve("data/coffre").toString());
        env.put("COFFRE_AUTHORIZATION_ADMINISTRATORS", "spiffe://coffre.dev/admin");
        env.put("COFFRE_AUTHORIZATION_OFFICERS", "spiffe://coffre.dev/officer/*");
        env.put("COFFRE_AUTHORIZATION_CLIENTS", "spiffe://coffre.dev/service/*");
        Path log = state.resolve("server.log");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/coffre-server").toString(),
                "--config", home.resolve("config/coffre.example.yaml").toString())
                .directory(state.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process server = builder.start();
        try {
            // Ready = the node's deep check: a real AES-GCM round trip in the HSM and a store round trip.
            HttpResponse<String> ready = awaitReady(server, healthPort, log);
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("SERVING"), ready.body());
            // The example configuration serves the metrics on 127.0.0.1 (its port from the environment here).
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("coffre_hsm_operation_duration_seconds_count{hsm=\"coffre-dist\""),
                    "the deep check's HSM round trip is timed");

            Path cliConfig = state.resolve("cli-admin.properties");
            Files.writeString(cliConfig, String.join("\n", "endpoint=127.0.0.1:" + port, "ca-cert=pki/ca.pem",
                    "cert=pki/admin.pem", "key=pki/admin.key", "timeout=10", ""));
            Map<String, String> cliEnv = Map.of("COFFRE_CACHE_DIR", Files.createDirectories(work.resolve("cache")).toString());
            Processes.Result status = Processes.run(List.of(home.resolve("bin/coffre").toString(), "ceremony", "status",
                    "--cli-config", cliConfig.toString()), cliEnv, Duration.ofSeconds(60));
            assertEquals(0, status.exit(), status.output());
            assertTrue(status.output().matches("(?s).*Initialised:\\s*no.*"), status.output());

            Processes.Result version = Processes.run(List.of(home.resolve("bin/coffre").toString(), "--version"),
                    cliEnv, Duration.ofSeconds(30));
            assertEquals("coffre " + VERSION, version.output().strip());
            Processes.Result loadtest = Processes.run(List.of(home.resolve("bin/coffre-loadtest").toString(), "--help"),
                    Map.of(), Duration.ofSeconds(30));
            assertEquals(0, loadtest.exit(), loadtest.output());
            assertTrue(loadtest.output().contains("Usage: coffre-loadtest"), loadtest.output());

            // The launcher execs the JVM, so SIGTERM reaches the node itself: an orderly stop.
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the node did not stop on SIGTERM");
            String output = Files.readString(log);
            assertTrue(output.contains("Coffre node dist-test serving on 127.0.0.1:" + port), output);
            assertFalse(output.contains(pin) || status.output().contains(pin), "the HSM PIN appears in an output");
            assertTrue(Set.of(0, 143).contains(server.exitValue()), "exit status " + server.exitValue() + "\n" + output);
        } finally {
            server.destroyForcibly();
        }
    }

    private static HttpResponse<String> awaitReady(Process server, int healthPort, Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        List<String> failures = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new AssertionError("the node exited with status " + server.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> response = http.send(readyz, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return response;
                }
                failures.add(response.statusCode() + " " + response.body());
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the node was not ready within " + START_LIMIT + " (" + failures + "):\n"
                + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
