package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.xks.SigV4Request;
import coffre.kms.server.xks.SigV4Verifier;
import coffre.kms.server.xks.XksError;
import coffre.kms.server.xks.XksException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The load tool's requests, built by {@link XksBodies} and signed client-side by {@link XksSigner}
 * (the AWS SDK's signer), against the server's own verifier ({@link SigV4Verifier}): what the load
 * tool sends must be accepted exactly as sent, and a request that differs in anything signed must
 * not.
 */
class XksSignerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T09:46:56Z");
    private static final XksEndpoint ENDPOINT = XksEndpoint.parse("https://xks.example.com:8443" + XksTestProxy.URI_PATH);

    private final SigV4Verifier verifier = new SigV4Verifier(XksTestProxy.REGION, XksTestProxy::dateKey,
            Clock.fixed(NOW, ZoneOffset.UTC));
    private final XksBodies bodies = new XksBodies(List.of(XksTestProxy.KEY_A), XksTestProxy.REGION, 32, 32, true,
            new SplittableRandom(7));

    private static XksSigner signer(XksEndpoint endpoint, String secret, String region, Instant at) {
        return new XksSigner(endpoint, new SigV4Credential(XksTestProxy.ACCESS_KEY_ID, secret.toCharArray()), region,
                Clock.fixed(at, ZoneOffset.UTC));
    }

    private static XksSigner standard() {
        return signer(ENDPOINT, XksTestProxy.SECRET, XksTestProxy.REGION, NOW);
    }

    /** The request as a listener receives it: the signed headers and the authority as {@code host}. */
    private static SigV4Request received(XksEndpoint endpoint, List<Map.Entry<String, String>> signed, String path,
                                         byte[] body) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(signed);
        headers.add(Map.entry("host", endpoint.authority()));
        return SigV4Request.of("POST", path, headers, body);
    }

    private void assertRefused(SigV4Request request) {
        XksException e = assertThrows(XksException.class, () -> verifier.verify(request));
        assertEquals(XksError.AUTHENTICATION_FAILED, e.error());
    }

    @Test
    void everyOperationVerifiesAsSent() {
        XksCiphertext c = new XksCiphertext(XksTestProxy.KEY_A, "ghxkK1txeDNn3q8Y", "AQAAAAE=", "HMrlRw85cAJUd5Ax",
                "vBxN2ncH1oEkR8WVXpmyYQ==");
        Map<String, byte[]> requests = Map.of(
                ENDPOINT.healthPath(), bodies.health(),
                ENDPOINT.keyPath(XksTestProxy.KEY_A, "metadata"), bodies.metadata(XksTestProxy.KEY_A),
                ENDPOINT.keyPath(XksTestProxy.KEY_A, "encrypt"), bodies.encrypt(XksTestProxy.KEY_A),
                ENDPOINT.keyPath(XksTestProxy.KEY_A, "decrypt"), bodies.decrypt(c));
        requests.forEach((path, body) -> assertEquals(XksTestProxy.ACCESS_KEY_ID,
                verifier.verify(received(ENDPOINT, standard().sign(path, body), path, body)).accessKeyId(), path));
    }

    @Test
    void theLargestEncryptVerifies() {
        XksBodies largest = new XksBodies(List.of(XksTestProxy.KEY_A), XksTestProxy.REGION, 4300, 8192, true,
                new SecureRandom());
        byte[] body = largest.encrypt(XksTestProxy.KEY_A);
        assertTrue(body.length > 13_000, body.length + " bytes");
        String path = ENDPOINT.keyPath(XksTestProxy.KEY_A, "encrypt");
        verifier.verify(received(ENDPOINT, standard().sign(path, body), path, body));
    }

    /** The SDK's signer also signs the body's SHA-256 as x-amz-content-sha256, which the verifier checks. */
    @Test
    void signsContentTypeHostBodyHashAndDateAndLeavesHostToTheClient() throws Exception {
        byte[] body = bodies.health();
        List<Map.Entry<String, String>> headers = standard().sign(ENDPOINT.healthPath(), body);
        assertTrue(headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase("host")), headers.toString());
        assertEquals(List.of("application/json"), values(headers, "content-type"));
        assertEquals(List.of("20261207T094656Z"), values(headers, "x-amz-date"));
        assertEquals(List.of(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body))),
                values(headers, "x-amz-content-sha256"));
        String authorization = values(headers, "authorization").get(0);
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + XksTestProxy.ACCESS_KEY_ID
                + "/20261207/eu-west-3/kms-xks-proxy/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature="), authorization);
    }

    private static List<String> values(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    /** AWS KMS connects on 443 and sends the host alone: so does the load tool, or the signature breaks. */
    @Test
    void onPort443TheAuthorityIsTheHostAlone() {
        XksEndpoint standardPort = XksEndpoint.parse("https://xks.example.com" + XksTestProxy.URI_PATH);
        assertEquals("xks.example.com", standardPort.authority());
        byte[] body = bodies.health();
        List<Map.Entry<String, String>> signed = signer(standardPort, XksTestProxy.SECRET, XksTestProxy.REGION, NOW)
                .sign(standardPort.healthPath(), body);
        verifier.verify(received(standardPort, signed, standardPort.healthPath(), body));

        List<Map.Entry<String, String>> withPort = new ArrayList<>(signed);
        withPort.add(Map.entry("host", "xks.example.com:443"));
        assertRefused(SigV4Request.of("POST", standardPort.healthPath(), withPort, body));
    }

    @Test
    void underHttp2TheAuthorityPseudoHeaderVerifies() {
        byte[] body = bodies.metadata(XksTestProxy.KEY_A);
        String path = ENDPOINT.keyPath(XksTestProxy.KEY_A, "metadata");
        List<Map.Entry<String, String>> headers = new ArrayList<>(standard().sign(path, body));
        headers.add(Map.entry(":authority", ENDPOINT.authority()));
        verifier.verify(SigV4Request.of("POST", path, headers, body));
    }

    @Test
    void aBodyChangedAfterSigningIsRefused() {
        byte[] body = bodies.encrypt(XksTestProxy.KEY_A);
        String path = ENDPOINT.keyPath(XksTestProxy.KEY_A, "encrypt");
        List<Map.Entry<String, String>> signed = standard().sign(path, body);
        byte[] changed = new String(body, StandardCharsets.US_ASCII).replace("AES_GCM", "AES_GCN")
                .getBytes(StandardCharsets.US_ASCII);
        assertRefused(received(ENDPOINT, signed, path, changed));
        assertRefused(received(ENDPOINT, signed, ENDPOINT.keyPath(XksTestProxy.KEY_B, "encrypt"), body));
    }

    @Test
    void anotherSecretRegionOrTimeIsRefused() {
        byte[] body = bodies.health();
        String path = ENDPOINT.healthPath();
        assertRefused(received(ENDPOINT, signer(ENDPOINT, "V3JvbmctYnV0LXdlbGwtZm9ybWVkLXNlY3JldC1mb3ItdGVzdHM=",
                XksTestProxy.REGION, NOW).sign(path, body), path, body));
        assertRefused(received(ENDPOINT, signer(ENDPOINT, XksTestProxy.SECRET, "us-east-1", NOW).sign(path, body),
                path, body));
        assertRefused(received(ENDPOINT, signer(ENDPOINT, XksTestProxy.SECRET, XksTestProxy.REGION,
                NOW.minus(Duration.ofMinutes(6))).sign(path, body), path, body));
        // Within the spec's 5 minutes, a clock behind is accepted.
        verifier.verify(received(ENDPOINT, signer(ENDPOINT, XksTestProxy.SECRET, XksTestProxy.REGION,
                NOW.minus(Duration.ofMinutes(4))).sign(path, body), path, body));
    }

    @Test
    void theCredentialNeverPrintsItsSecret() {
        SigV4Credential credential = new SigV4Credential(XksTestProxy.ACCESS_KEY_ID, XksTestProxy.SECRET.toCharArray());
        assertFalse(credential.toString().contains(XksTestProxy.SECRET), credential.toString());
        assertTrue(credential.toString().contains(XksTestProxy.ACCESS_KEY_ID));
    }
}
