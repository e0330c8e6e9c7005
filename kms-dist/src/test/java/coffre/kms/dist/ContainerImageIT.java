package coffre.kms.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The container image that deploy/image/build.sh makes without a daemon: its docker-archive tar
 * holds three layers (Debian, the jlinked runtime, Coffre) and a configuration that runs the server
 * launcher as 10001 with writable volumes only; it carries no HSM library and no package manager.
 * Loaded into podman, its runtime starts, and the server runs from it with a read-only root file
 * system, no capabilities, the SoftHSM2 library and a token mounted in as an operator mounts their
 * HSM client, and answers its deep health check and the image's own CLI.
 *
 * Runs only when -Dcoffre.image=FILE names the image (deploy/image/test.sh builds it and sets it,
 * with -Dcoffre.podman.options for what podman needs on the machine); the image build takes about
 * a minute, so the normal test run leaves it out.
 */
@EnabledIfSystemProperty(named = "coffre.image", matches = ".+")
class ContainerImageIT {
    private static final Path ROOT = Path.of(System.getProperty("coffre.root")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("coffre.version");
    private static final String REPO_TAG = "docker.io/coffre/kms-server:" + VERSION;
    private static final Path SOFTHSM_LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Under target/, so that deploy/dev/test.sh's leak scan reads the node's log too. */
    private static final Path work = Path.of("target", "container-image-it").toAbsolutePath();
    private static JsonNode manifest;
    private static JsonNode config;
    private static Path unpacked;

    @BeforeAll
    static void unpack() throws Exception {
        assertEquals(0, Processes.run(List.of("rm", "-rf", work.toString()), Map.of(), Duration.ofSeconds(60)).exit());
        Files.createDirectories(work);
        Path image = Path.of(System.getProperty("coffre.image"));
        assertTrue(Files.isRegularFile(image), "no image at " + image);
        unpacked = Files.createDirectories(work.resolve("image"));
        Processes.Result tar = Processes.run(List.of("tar", "-xf", image.toString(), "-C", unpacked.toString()),
                Map.of(), Duration.ofSeconds(60));
        assertEquals(0, tar.exit(), tar.output());
        manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
        config = JSON.readTree(unpacked.resolve(manifest.path("Config").asText()).toFile());
    }

    @Test
    void configurationRunsTheLauncherAsANonRootUserWithVolumesForWhatItWrites() {
        assertEquals(REPO_TAG, manifest.path("RepoTags").get(0).asText());
        JsonNode c = config.path("config");
        assertEquals("10001:10001", c.path("User").asText());
        assertEquals(List.of("/opt/coffre/bin/coffre-server"), strings(c.path("Entrypoint")));
        assertEquals(List.of("--config", "/etc/coffre/coffre.yaml"), strings(c.path("Cmd")));
        assertTrue(strings(c.path("Env")).contains("JAVA_HOME=/opt/java"), c.toString());
        List<String> volumes = new ArrayList<>();
        c.path("Volumes").fieldNames().forEachRemaining(volumes::add);
        assertEquals(List.of("/tmp", "/var/lib/coffre"), volumes.stream().sorted().toList());
        assertEquals(VERSION, c.path("Labels").path("org.opencontainers.image.version").asText());
        assertEquals("linux", config.path("os").asText());
        assertEquals("amd64", config.path("architecture").asText());
    }

    @Test
    void layersAreDebianThenTheRuntimeThenCoffre() throws Exception {
        JsonNode layers = manifest.path("Layers");
        assertEquals(3, layers.size(), manifest.toString());
        String debian = listing(layers.get(0).asText());
        String runtime = listing(layers.get(1).asText());
        String coffre = listing(layers.get(2).asText());

        assertTrue(debian.contains(" ./usr/lib/x86_64-linux-gnu/libc.so.6"), "no glibc in the first layer");
        assertTrue(debian.contains(" ./etc/ssl/certs/ca-certificates.crt"), "no CA bundle");
        assertTrue(debian.matches("(?s).*drwx------ 10001/10001 .* \\./var/lib/coffre/\n.*"), "no /var/lib/coffre owned by 10001");
        assertFalse(debian.contains("/usr/bin/apt"), "a package manager in the production image");
        for (String layer : List.of(debian, runtime, coffre)) {
            assertFalse(layer.contains("libsofthsm2"), "an HSM library in the image: the operator mounts theirs");
            assertFalse(layer.matches("(?s)(^|.*\n)[cb].*"), "device nodes in a layer (runtimes make /dev)");
        }
        String passwd = Files.readString(extract(layers.get(0).asText(), "./etc/passwd"));
        assertTrue(passwd.contains("\ncoffre:x:10001:10001:"), passwd);

        assertTrue(runtime.contains(" opt/java/bin/java"), runtime.lines().limit(5).toList().toString());
        assertTrue(runtime.contains(" opt/java/lib/libj2pkcs11.so"), "SunPKCS11's native library is not in the runtime");
        assertTrue(runtime.contains(" opt/java/lib/server/classes.jsa"), "the runtime has no CDS archive");

        assertTrue(coffre.matches("(?s).*-rwxr-xr-x 0/0 .* opt/coffre/bin/coffre-server\n.*"), "launcher not root-owned 755");
        for (String file : List.of("opt/coffre/bin/coffre", "opt/coffre/lib/common.sh", "opt/coffre/lib/kms-server.classpath",
                "opt/coffre/lib/kms-server-" + VERSION + ".jar", "opt/coffre/config/coffre.example.yaml",
                "opt/coffre/sbom/kms-server.cdx.json", "opt/coffre/sbom/image-os.cdx.json")) {
            assertTrue(coffre.contains(" " + file + "\n"), "the Coffre layer lacks " + file);
        }
        // (HdrHistogram is no sign of it: Micrometer, the server's metrics, depends on it too.)
        assertFalse(coffre.contains("coffre-loadtest") || coffre.contains("kms-loadtest"), "the load tool is in the image");
        for (String line : coffre.split("\n")) {
            assertFalse(line.matches("^[^l]....w.*|^[^l].......w.*"), "writable by group or others: " + line);
        }
        JsonNode os = JSON.readTree(extract(layers.get(2).asText(), "opt/coffre/sbom/image-os.cdx.json").toFile());
        assertEquals("CycloneDX", os.path("bomFormat").asText());
        List<String> purls = new ArrayList<>();
        os.path("components").forEach(component -> purls.add(component.path("purl").asText()));
        assertTrue(purls.stream().anyMatch(p -> p.startsWith("pkg:deb/debian/libc6@")), "the image bom lacks glibc: " + purls);
        assertTrue(purls.stream().anyMatch(p -> p.startsWith("pkg:deb/debian/ca-certificates@")), purls.toString());
    }

    @Test
    void runsTheServerFromTheImageOnAMountedSoftHsmToken() throws Exception {
        List<String> podman = new ArrayList<>(List.of("podman"));
        List<String> runOptions = new ArrayList<>(Arrays.asList(System.getProperty("coffre.podman.options", "").split("\\s+")));
        runOptions.removeIf(String::isBlank);
        Processes.Result load = Processes.run(List.of("podman", "load", "-q", "-i", System.getProperty("coffre.image")),
                Map.of(), Duration.ofSeconds(120));
        assertEquals(0, load.exit(), load.output());

        List<String> version = new ArrayList<>(podman);
        version.addAll(List.of("run", "--rm", "--pull=never", "--read-only", "--network=host"));
        version.addAll(runOptions);
        version.addAll(List.of("--entrypoint", "/opt/java/bin/java", REPO_TAG, "-version"));
        Processes.Result java = Processes.run(version, Map.of(), Duration.ofSeconds(60));
        assertEquals(0, java.exit(), java.output());
        assertTrue(java.output().contains("Runtime Environment"), java.output());

        // The state an operator mounts: a token (and its PIN) and the TLS material, owned by 10001.
        Path state = Files.createDirectories(work.resolve("state"));
        Path pki = state.resolve("pki");
        Path softhsm = state.resolve("softhsm");
        assertEquals(0, Processes.run(List.of("bash", ROOT.resolve("deploy/dev/pki.sh").toString(), pki.toString()),
                Map.of(), Duration.ofSeconds(60)).exit());
        assertEquals(0, Processes.run(List.of("bash", ROOT.resolve("deploy/dev/softhsm-token.sh").toString(),
                softhsm.toString(), "coffre-image"), Map.of(), Duration.ofSeconds(60)).exit());
        Files.writeString(softhsm.resolve("softhsm2.conf"), "directories.tokendir = /var/lib/coffre/softhsm/tokens\n"
                + "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        String pin = Files.readString(softhsm.resolve("hsm.pin")).strip();
        SecretLedger.record(pin);
        Path data = Files.createDirectories(state.resolve("data"));
        Files.move(softhsm, data.resolve("softhsm"));
        Files.writeString(pki.resolve("cli.properties"), "endpoint=127.0.0.1:PORT\nca-cert=ca.pem\ncert=admin.pem\n"
                + "key=admin.key\ntimeout=10\n");
        assertEquals(0, Processes.run(List.of("chown", "-R", "10001:10001", data.toString(), pki.toString()),
                Map.of(), Duration.ofSeconds(10)).exit());

        int port = freePort();
        int healthPort = freePort();
        Files.writeString(pki.resolve("cli.properties"),
                Files.readString(pki.resolve("cli.properties")).replace("PORT", Integer.toString(port)));
        Map<String, String> env = new HashMap<>();
        env.put("SOFTHSM2_CONF", "/var/lib/coffre/softhsm/softhsm2.conf");
        env.put("COFFRE_NODE_ID", "image-test");
        env.put("COFFRE_SERVER_PORT", Integer.toString(port));
        env.put("COFFRE_SERVER_HEALTH_PORT", Integer.toString(healthPort));
        env.put("COFFRE_TELEMETRY_METRICS_PORT", "0");
        env.put("COFFRE_TLS_CERTIFICATE", "/etc/coffre/tls/server.pem");
        env.put("COFFRE_TLS_PRIVATE_KEY", "/etc/coffre/tls/server.key");
        env.put("COFFRE_TLS_CLIENT_CA", "/etc/coffre/tls/ca.pem");
        env.put("COFFRE_HSM_LIBRARY", "/opt/hsm-client/lib/libsofthsm2.so");
        env.put("COFFRE_HSM_TOKEN_LABEL", "coffre-image");
        env.put("COFFRE_HSM_PIN_FILE", "/var/lib/coffre/softhsm/hsm.pin");
        env.put("COFFRE_STORE_PATH", "/var/lib/coffre/coffre");
        env.put("COFFRE_AUTHORIZATION_ADMINISTRATORS", "spiffe://coffre.dev/admin");
        List<String> run = new ArrayList<>(podman);
        run.addAll(List.of("run", "-d", "--pull=never", "--read-only", "--network=host", "--cap-drop=ALL",
                "--security-opt=no-new-privileges", "--tmpfs", "/tmp:rw,exec,size=256m,mode=1777",
                "-v", data + ":/var/lib/coffre", "-v", pki + ":/etc/coffre/tls:ro",
                "-v", SOFTHSM_LIBRARY + ":/opt/hsm-client/lib/libsofthsm2.so:ro"));
        run.addAll(runOptions);
        env.forEach((k, v) -> run.addAll(List.of("-e", k + "=" + v)));
        run.addAll(List.of(REPO_TAG, "--config", "/opt/coffre/config/coffre.example.yaml"));
        Processes.Result started = Processes.run(run, Map.of(), Duration.ofSeconds(60));
        assertEquals(0, started.exit(), started.output());
        String container = started.output().strip().lines().reduce((a, b) -> b).orElseThrow();
        try {
            HttpResponse<String> ready = awaitReady(container, healthPort);
            assertEquals("SERVING", ready.body().strip());

            Processes.Result status = Processes.run(List.of("podman", "exec", container, "coffre", "ceremony", "status",
                    "--cli-config", "/etc/coffre/tls/cli.properties"), Map.of(), Duration.ofSeconds(60));
            assertEquals(0, status.exit(), status.output());
            assertTrue(status.output().matches("(?s).*Initialised:\\s*no.*"), status.output());

            Processes.Result stop = Processes.run(List.of("podman", "stop", "-t", "30", container), Map.of(),
                    Duration.ofSeconds(60));
            assertEquals(0, stop.exit(), stop.output());
            String logs = logs(container);
            Files.writeString(work.resolve("server.log"), logs);
            assertTrue(logs.contains("Coffre node image-test serving on 127.0.0.1:" + port), logs);
            assertFalse(logs.contains(pin), "the HSM PIN appears in the container's output");
            Processes.Result exit = Processes.run(List.of("podman", "inspect", "-f", "{{.State.ExitCode}}", container),
                    Map.of(), Duration.ofSeconds(30));
            assertTrue(List.of("0", "143").contains(exit.output().strip()), "exit status " + exit.output() + "\n" + logs);
        } finally {
            Processes.run(List.of("podman", "rm", "-f", container), Map.of(), Duration.ofSeconds(60));
        }
    }

    private static HttpResponse<String> awaitReady(String container, int healthPort) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            Processes.Result state = Processes.run(List.of("podman", "inspect", "-f", "{{.State.Running}}", container),
                    Map.of(), Duration.ofSeconds(30));
            if (!state.output().strip().equals("true")) {
                throw new AssertionError("the container stopped:\n" + logs(container));
            }
            try {
                HttpResponse<String> response = http.send(readyz, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return response;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the node in the container was not ready within 90 s:\n" + logs(container));
    }

    private static String logs(String container) throws Exception {
        return Processes.run(List.of("podman", "logs", container), Map.of(), Duration.ofSeconds(30)).output();
    }

    /** `tar -tv` of a layer: one "mode owner size date time path" line per entry. */
    private static String listing(String layer) throws Exception {
        Processes.Result list = Processes.run(List.of("tar", "--numeric-owner", "-tvf", unpacked.resolve(layer).toString()),
                Map.of(), Duration.ofSeconds(60));
        assertEquals(0, list.exit(), list.output());
        return list.output().replaceAll(" +", " ");
    }

    private static Path extract(String layer, String member) throws Exception {
        Path dir = Files.createTempDirectory(work, "layer");
        Processes.Result x = Processes.run(List.of("tar", "-xf", unpacked.resolve(layer).toString(), "-C", dir.toString(),
                member), Map.of(), Duration.ofSeconds(60));
        assertEquals(0, x.exit(), x.output());
        return dir.resolve(member);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
