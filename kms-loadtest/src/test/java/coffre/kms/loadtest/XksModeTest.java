package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.testing.TestPki;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole command in XKS mode against {@link XksTestProxy} over real TLS: options, secret file,
 * signing (verified by the server's own {@code SigV4Verifier} over the bytes and authority it
 * received), both drivers, the ciphertext pool, HTTP/2 and HTTP/1.1, mTLS, and each kind of failure
 * as the report names it. Nothing here needs the server's XKS listener.
 */
class XksModeTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki.Issued serverCert;
    static XksTestProxy proxy;
    static Path secretFile;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "xks");
        serverCert = pki.server("server");
        proxy = new XksTestProxy(serverCert, null);
        secretFile = secretFile("secret", XksTestProxy.SECRET + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
    }

    @AfterEach
    void noDelay() {
        proxy.delayMillis.set(0);
    }

    static Path secretFile(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    record Result(int exit, String out, String err) {
        long count(String field) {
            return Long.parseLong(out.replaceAll("(?s).*\"" + field + "\":(\\d+).*", "$1"));
        }
    }

    /** The command with the proxy's URI, region, credential and CA, no warm-up, JSON report; then {@code more}. */
    static Result run(XksTestProxy target, String... more) {
        List<String> all = new ArrayList<>(List.of("--protocol", "xks", "--xks-uri", target.uri(),
                "--xks-region", XksTestProxy.REGION, "--xks-access-key-id", XksTestProxy.ACCESS_KEY_ID,
                "--xks-secret-file", secretFile.toString(), "--ca-cert", pki.caFile().toString(),
                "--warmup", "0s", "--progress-interval", "0s", "--json"));
        all.addAll(List.of(more));
        return execute(all);
    }

    static Result execute(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = LoadTest.commandLine();
        cli.<LoadTest>getCommand().withOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        Result r = new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertFalse(r.out().contains(XksTestProxy.SECRET) || r.err().contains(XksTestProxy.SECRET),
                "the SigV4 secret must never be printed");
        return r;
    }

    @Test
    void everyOperationOverHttp2WithTheCiphertextPoolAndTheSameReport() {
        int before = proxy.requestIds.size();
        Result r = run(proxy, "--xks-key-id", XksTestProxy.KEY_A, "--xks-key-id", XksTestProxy.KEY_B,
                "--op", "xks-encrypt=2,xks-decrypt=1,xks-metadata=1,xks-health=1", "-c", "8", "--calls", "500",
                "--envelopes", "20", "--label", "mix");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.err().contains("preparing 20 ciphertexts for xks-decrypt"), r.err());
        String json = r.out().strip();
        assertTrue(json.startsWith("{\"settings\":{\"label\":\"mix\",\"protocol\":\"xks\",\"target\":\"" + proxy.uri()
                + "\",\"connections\":1,\"mix\":\"xks-encrypt=2,xks-decrypt=1,xks-metadata=1,xks-health=1\","
                + "\"mode\":\"closed-loop\",\"concurrency\":8,\"limit\":\"500 calls\",\"keys\":2,"), json);
        assertTrue(json.contains("\"httpVersions\":\"HTTP_2\""), json);
        assertEquals(500, r.count("successes"), json);
        assertEquals(0, r.count("errors"), json);
        assertEquals(20, r.count("setupSuccesses"), json);
        for (String op : List.of("xks-encrypt", "xks-decrypt", "xks-metadata", "xks-health")) {
            assertTrue(json.contains("\"" + op + "\":{\"count\":"), op + " in " + json);
        }
        // Every call was a distinct, signed request: the proxy saw each kmsRequestId once.
        assertEquals(520, proxy.requestIds.size() - before, "fresh kmsRequestIds");
        assertEquals(Set.of("localhost:" + proxy.port()), proxy.authorities);
        assertTrue(proxy.versions.contains(HttpVersion.HTTP_2));
    }

    @Test
    void decryptRunsOnCiphertextsOfEveryKey() {
        int decrypts = proxy.count("decrypt");
        Result r = run(proxy, "--xks-key-id", XksTestProxy.KEY_A, "--xks-key-id", XksTestProxy.KEY_B,
                "--op", "xks-decrypt", "-c", "16", "--calls", "400", "--envelopes", "10", "--context-size", "200",
                "--payload-size", "4300");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertEquals(400, r.count("successes"), r.out());
        assertEquals(400, proxy.count("decrypt") - decrypts, "each decrypt authenticated its AAD and metadata");
    }

    @Test
    void integrityValueIsAskedWhenTold() {
        Result r = run(proxy, "--xks-key-id", XksTestProxy.KEY_A, "--xks-integrity-value", "--calls", "50", "-c", "2");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertEquals(50, r.count("successes"), r.out());
    }

    @Test
    void failuresAreNamedByStatusAndErrorName() {
        Result r = run(proxy, "--xks-key-id", XksTestProxy.KEY_A, "--xks-key-id", "no-such-key",
                "--xks-key-id", XksTestProxy.KEY_DISABLED, "-c", "4", "--calls", "300");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("\"xks-encrypt:404/KeyNotFoundException\":"), r.out());
        assertTrue(r.out().contains("\"xks-encrypt:400/InvalidStateException\":"), r.out());
        assertEquals(300, r.count("successes") + r.count("errors"), r.out());
        assertTrue(r.count("errors") > 120 && r.count("errors") < 280, "about two thirds fail: " + r.out());
    }

    @Test
    void aWrongSecretFailsEveryCallAsAuthenticationFailed() throws IOException {
        String wrongSecret = "V3JvbmctYnV0LXdlbGwtZm9ybWVkLXNlY3JldC1mb3ItdGVzdHM=";
        SecretLedger.record(wrongSecret);
        Path wrong = secretFile("wrong-secret", wrongSecret);
        List<String> args = new ArrayList<>(List.of("--protocol", "xks", "--xks-uri", proxy.uri(),
                "--xks-region", XksTestProxy.REGION, "--xks-access-key-id", XksTestProxy.ACCESS_KEY_ID,
                "--xks-secret-file", wrong.toString(), "--ca-cert", pki.caFile().toString(), "--warmup", "0s",
                "--progress-interval", "0s", "--json", "--xks-key-id", XksTestProxy.KEY_A, "--calls", "40"));
        Result r = execute(args);
        assertEquals(1, r.exit(), "no call succeeded: " + r.out());
        assertTrue(r.out().contains("\"xks-encrypt:401/AuthenticationFailedException\":40"), r.out());

        args.addAll(List.of("--op", "xks-decrypt", "--envelopes", "5"));
        Result decrypt = execute(args);
        assertEquals(1, decrypt.exit());
        assertTrue(decrypt.err().contains("error: cannot prepare ciphertexts for xks-decrypt: encrypt under "
                + "bench-key-a failed: 401/AuthenticationFailedException (the request signature does not verify)"),
                decrypt.err());
    }

    /**
     * A busy proxy's 503 during the preparation is retried (as AWS KMS retries it); one that stays busy
     * stops it. A proxy of its own: the shared one may still answer another test's late calls.
     */
    @Test
    void theCiphertextPoolRetriesAProxyThatIsBusyForAWhile() throws Exception {
        try (XksTestProxy busyProxy = new XksTestProxy(serverCert, null)) {
            busyProxy.busyAnswers.set(3);
            Result r = run(busyProxy, "--xks-key-id", XksTestProxy.KEY_A, "--op", "xks-decrypt", "--envelopes", "1",
                    "-c", "1", "--calls", "5");
            assertEquals(0, r.exit(), r.err() + r.out());
            assertEquals(5, r.count("successes"), r.out());
            assertEquals(1, r.count("setupSuccesses"), r.out());

            busyProxy.busyAnswers.set(4);
            Result busy = run(busyProxy, "--xks-key-id", XksTestProxy.KEY_A, "--op", "xks-decrypt", "--envelopes", "1",
                    "-c", "1", "--calls", "5");
            assertEquals(1, busy.exit(), busy.out());
            assertTrue(busy.err().contains("error: cannot prepare ciphertexts for xks-decrypt: encrypt under "
                    + "bench-key-a failed: 503/DependencyTimeoutException (no answer within 150 ms)"), busy.err());
        }
    }

    @Test
    void anotherRegionIsRefusedByTheProxy() {
        List<String> args = new ArrayList<>(List.of("--protocol", "xks", "--xks-uri", proxy.uri(),
                "--xks-region", "us-east-1", "--xks-access-key-id", XksTestProxy.ACCESS_KEY_ID,
                "--xks-secret-file", secretFile.toString(), "--ca-cert", pki.caFile().toString(), "--warmup", "0s",
                "--progress-interval", "0s", "--json", "--op", "xks-health", "--calls", "10"));
        Result r = execute(args);
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("\"xks-health:401/AuthenticationFailedException\":10"), r.out());
    }

    @Test
    void anotherPathIsInvalidUriPath() {
        List<String> args = new ArrayList<>(List.of("--protocol", "xks", "--xks-uri",
                "https://localhost:" + proxy.port() + "/other/kms/xks/v1", "--xks-region", XksTestProxy.REGION,
                "--xks-access-key-id", XksTestProxy.ACCESS_KEY_ID, "--xks-secret-file", secretFile.toString(),
                "--ca-cert", pki.caFile().toString(), "--warmup", "0s", "--progress-interval", "0s", "--json",
                "--op", "xks-health", "--calls", "5"));
        Result r = execute(args);
        assertTrue(r.out().contains("\"xks-health:404/InvalidUriPathException\":5"), r.out());
    }

    @Test
    void http11UsesAPoolOfConnections() {
        Result r = run(proxy, "--xks-key-id", XksTestProxy.KEY_A, "--xks-http-version", "1.1",
                "--xks-connections", "4", "--op", "xks-encrypt=1,xks-metadata=1", "-c", "8", "--calls", "300");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertEquals(300, r.count("successes"), r.out());
        assertTrue(r.out().contains("\"connections\":4"), r.out());
        assertTrue(r.out().contains("\"httpVersions\":\"HTTP_1_1\""), r.out());
    }

    /** HTTP/2 asked, HTTP/1.1 chosen by ALPN: the calls still go (one at a time per connection), with a warning. */
    @Test
    void aProxyWithoutHttp2IsServedOverHttp11WithAWarning() throws Exception {
        try (XksTestProxy http11 = new XksTestProxy(serverCert, null, List.of(HttpVersion.HTTP_1_1))) {
            Result r = run(http11, "--xks-key-id", XksTestProxy.KEY_A, "--op", "xks-encrypt", "-c", "4",
                    "--calls", "100");
            assertEquals(0, r.exit(), r.err() + r.out());
            assertEquals(100, r.count("successes"), r.out());
            assertTrue(r.out().contains("\"httpVersions\":\"HTTP_1_1\""), r.out());
            assertTrue(r.err().contains("warning: the XKS listener chose HTTP/1.1 (ALPN)"), r.err());
            assertEquals(Set.of(HttpVersion.HTTP_1_1), http11.versions);
        }
    }

    @Test
    void severalHttp2ConnectionsAndTheOpenLoop() {
        Result r = run(proxy, "--xks-key-id", XksTestProxy.KEY_A, "--xks-connections", "2", "--rate", "400",
                "--duration", "1s");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("\"mode\":\"open-loop\""), r.out());
        assertEquals(400, r.count("successes"), 12, r.out());
        assertEquals(0, r.count("errors"), r.out());
    }

    @Test
    void theConsoleConfigurationFileGivesTheAccessKeyId() throws IOException {
        Path console = secretFile("console.json", "{\"XksProxyUriPath\":\"" + XksTestProxy.URI_PATH + "\","
                + "\"XksProxyAuthenticationCredential\":{\"AccessKeyId\":\"" + XksTestProxy.ACCESS_KEY_ID + "\","
                + "\"RawSecretAccessKey\":\"" + XksTestProxy.SECRET + "\"}}\n");
        Result r = execute(List.of("--protocol", "xks", "--xks-uri", proxy.uri(), "--xks-region", XksTestProxy.REGION,
                "--xks-secret-file", console.toString(), "--ca-cert", pki.caFile().toString(), "--warmup", "0s",
                "--progress-interval", "0s", "--op", "xks-health", "--calls", "20"));
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("(20 ok, 0 failed)"), r.out());
    }

    @Test
    void aSlowProxyIsATimeout() {
        proxy.delayMillis.set(1500);
        Result r = run(proxy, "--op", "xks-health", "--timeout", "200ms", "-c", "2", "--calls", "4");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("\"xks-health:TIMEOUT\":4"), r.out());
    }

    @Test
    void nothingListeningIsConnectFailed() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Result r = execute(List.of("--protocol", "xks", "--xks-uri", "https://localhost:" + port + XksTestProxy.URI_PATH,
                "--xks-region", XksTestProxy.REGION, "--xks-access-key-id", XksTestProxy.ACCESS_KEY_ID,
                "--xks-secret-file", secretFile.toString(), "--ca-cert", pki.caFile().toString(), "--warmup", "0s",
                "--progress-interval", "0s", "--json", "--op", "xks-health", "--calls", "3", "-c", "1"));
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("\"xks-health:CONNECT_FAILED\":3"), r.out());
    }

    @Test
    void mutualTlsWhenTheListenerAsksForIt() throws Exception {
        TestPki.Issued client = pki.clientWithCn("xks-client", "cks.kms.eu-west-3.amazonaws.com");
        try (XksTestProxy strict = new XksTestProxy(serverCert, pki.caFile())) {
            Result with = run(strict, "--cert", client.certificate().toString(), "--key",
                    client.privateKey().toString(), "--op", "xks-health", "--calls", "20");
            assertEquals(0, with.exit(), with.err() + with.out());
            assertEquals(20, with.count("successes"), with.out());

            Result without = run(strict, "--op", "xks-health", "--calls", "3", "-c", "1");
            assertEquals(1, without.exit(), without.out());
            assertEquals(0, without.count("successes"), without.out());
        }
    }
}
