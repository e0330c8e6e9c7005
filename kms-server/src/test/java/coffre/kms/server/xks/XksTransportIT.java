package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.API;
import static coffre.kms.server.xks.XksFixture.decryptBody;
import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.healthBody;
import static coffre.kms.server.xks.XksFixture.path;
import static coffre.kms.server.xks.XksFixture.requestId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.TestPki;
import coffre.kms.v1.QueryAuditEventsRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The XKS listener as AWS KMS and operators reach it, on a real node with mutual TLS: a client
 * certificate from the configured CA with an allowed subject is served; another subject, another
 * CA or no certificate fails the TLS handshake (no request is read: nothing is audited); curl's
 * own SigV4 signer ({@code --aws-sigv4}, the spec's example client) over HTTP/2 and HTTP/1.1.
 */
class XksTransportIT {
    static final String KMS_SUBJECT = "cks.kms.eu-west-1.amazonaws.com";
    @TempDir
    static Path dir;
    static XksFixture xks;
    static TestPki aws;
    static TestPki.Issued kms;

    @BeforeAll
    static void start() {
        aws = TestPki.create(dir.resolve("aws-pki"), "aws");
        kms = aws.clientWithCn("kms", KMS_SUBJECT);
        xks = XksFixture.start(dir.resolve("node"), Duration.ofSeconds(1), 256, aws.caFile(),
                List.of("CN=" + KMS_SUBJECT));
        xks.mappedKey("foo");
    }

    @AfterAll
    static void stop() {
        xks.close();
    }

    private static long xksEvents() {
        long n = 0;
        for (String type : List.of("XKS_HEALTH", "XKS_REJECTED")) {
            n += xks.node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder().setType(type).setPageSize(1000)
                    .build()).getEventsCount();
        }
        return n;
    }

    @Test
    void anAllowedSubjectFromTheConfiguredCaIsServed() {
        XksTestClient.Response health = xks.client(HttpClient.Version.HTTP_2, kms).post(API + "/health", xks.signer(),
                healthBody());
        assertEquals(200, health.status(), health.body());
    }

    @Test
    void anyOtherClientCertificateFailsTheHandshake() {
        long before = xksEvents();
        TestPki rogue = TestPki.create(dir.resolve("rogue-pki"), "rogue");
        List<TestPki.Issued> refused = new ArrayList<>(List.of(
                aws.clientWithCn("other-region", "cks.kms.eu-west-3.amazonaws.com"),
                rogue.clientWithCn("rogue-kms", KMS_SUBJECT),
                xks.node.pki().clientWithCn("node-client", KMS_SUBJECT)));
        refused.add(null);
        for (TestPki.Issued identity : refused) {
            for (HttpClient.Version version : HttpClient.Version.values()) {
                XksTestClient client = xks.client(version, identity);
                assertThrows(UncheckedIOException.class, () -> client.post(API + "/health", xks.signer(), healthBody()),
                        identity + " over " + version);
            }
        }
        assertEquals(before, xksEvents(), "no request was read from a refused connection");
    }

    /**
     * AWS's XKS test client (test_negative_mtls) expects curl to print this for each bogus
     * certificate. Under TLS 1.2 the certificate is refused inside the handshake, so curl always
     * reads the alert. Under TLS 1.3 the client has finished its part and sends its request at once:
     * when that request reaches the server before the server closes, the close resets the
     * connection and curl can lose the alert — so there the alert must show in one of a few tries.
     */
    @ParameterizedTest
    @CsvSource({"unknown CA,1.2", "expired,1.2", "subject not allowed,1.2",
            "unknown CA,1.3", "expired,1.3", "subject not allowed,1.3"})
    void curlSeesAHandshakeFailureAlertForARefusedCertificate(String why, String tls) throws Exception {
        TestPki.Issued bogus = switch (why) {
            case "unknown CA" -> TestPki.create(dir.resolve("rogue-curl-pki-" + tls), "roguecurl")
                    .clientWithCn("stranger", KMS_SUBJECT);
            case "expired" -> aws.expiredClientWithCn("expired-kms-" + tls, KMS_SUBJECT);
            default -> aws.clientWithCn("other-subject-" + tls, "someone-else.example");
        };
        List<String> options = List.of("-v", "--cert", bogus.certificate().toString(), "--key",
                bogus.privateKey().toString(), "--tlsv" + tls, "--tls-max", tls);
        int tries = tls.equals("1.2") ? 1 : 5;
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            Curl run = curl(options, API + "/health", healthBody(), "--http2");
            assertNotEquals(0, run.exit, run.err);
            assertFalse(run.out.contains("\"xksProxyFleetSize\""), run.out);
            if (run.err.contains("TLS alert, handshake failure")) {
                return;
            }
            seen.add(run.err);
        }
        throw new AssertionError("curl never reported alert handshake_failure: " + seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http2", "--http1.1"})
    void curlsOwnSigV4SignerIsAccepted(String httpVersion) throws Exception {
        Curl health = curl(mtls(), API + "/health", healthBody(), httpVersion);
        assertEquals(0, health.exit, health.err);
        assertTrue(health.out.contains("\"healthStatus\":\"ACTIVE\""), health.out);
        assertTrue(health.out.endsWith("\n" + (httpVersion.equals("--http2") ? "2" : "1.1") + " 200"), health.out);

        byte[] plaintext = "thirty-two bytes of a data key!!".getBytes(StandardCharsets.US_ASCII);
        Curl encrypted = curl(mtls(), path("foo", "encrypt"), encryptBody(requestId(), plaintext, null, true),
                httpVersion);
        assertEquals(0, encrypted.exit, encrypted.err);
        String answer = encrypted.out.substring(0, encrypted.out.lastIndexOf('\n'));
        assertTrue(answer.contains("\"ciphertextDataIntegrityValue\":"), answer);
        XksTestClient.Response decrypted = xks.client(HttpClient.Version.HTTP_2, kms).post(path("foo", "decrypt"),
                xks.signer(), decryptBody(requestId(), answer, null, XksTestClient.member(answer, "ciphertextMetadata")));
        assertEquals(200, decrypted.status(), decrypted.body());
        assertArrayEquals(plaintext, Base64.getDecoder().decode(XksTestClient.member(decrypted.body(), "plaintext")),
                "what curl had encrypted, the SDK-signed call decrypts");
    }

    @Test
    void tls12WithTheSpecsEcdsaSuiteIsServed() throws Exception {
        List<String> tls = new ArrayList<>(mtls());
        tls.addAll(List.of("--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384", "-v"));
        Curl health = curl(tls, API + "/health", healthBody(), "--http2");
        assertEquals(0, health.exit, health.err);
        assertTrue(health.err.contains("TLSv1.2 / ECDHE-ECDSA-AES256-GCM-SHA384"), health.err);
        assertTrue(health.out.endsWith("\n2 200"), health.out);
    }

    private static List<String> mtls() {
        return List.of("--cert", kms.certificate().toString(), "--key", kms.privateKey().toString());
    }

    private record Curl(int exit, String out, String err) {
    }

    /** curl as the spec's Appendix D runs it, against 127.0.0.1, trusting the node's test CA. */
    private static Curl curl(List<String> tls, String path, String body, String httpVersion) throws Exception {
        Path bodyFile = Files.writeString(Files.createTempFile(dir, "body", ".json"), body);
        List<String> command = new ArrayList<>(List.of("curl", "-sS", httpVersion, "--cacert",
                xks.node.pki().caFile().toString(), "--aws-sigv4", "aws:amz:us-east-1:kms-xks-proxy", "--user",
                AwsSdkSigner.ACCESS_KEY_ID + ":" + AwsSdkSigner.SECRET, "-X", "POST",
                "-H", "Content-Type:application/json", "--data-binary", "@" + bodyFile,
                "-w", "\n%{http_version} %{response_code}", "--max-time", "10"));
        command.addAll(tls);
        command.add("https://127.0.0.1:" + xks.node.xksPort() + path);
        Process process = new ProcessBuilder(command).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("curl did not finish");
        }
        return new Curl(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }
}
