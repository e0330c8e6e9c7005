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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The load tool's requests, built by {@link XksBodies} and signed client-side by its own
 * {@link XksSigner}: the same headers as the AWS SDK's signer ({@link AwsSdkSigner}) byte for byte,
 * accepted by the server's own verifier ({@link SigV4Verifier}) exactly as sent, and refused when
 * anything signed differs.
 */
class XksSignerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T09:46:56Z");
    private static final XksEndpoint ENDPOINT = XksEndpoint.parse("https://xks.example.com:8443" + XksTestProxy.URI_PATH);

    private final SigV4Verifier verifier = new SigV4Verifier(XksTestProxy.REGION, XksTestProxy::dateKey,
            Clock.fixed(NOW, ZoneOffset.UTC));
    private final XksBodies bodies = new XksBodies(List.of(XksTestProxy.KEY_A), XksTestProxy.REGION, 32, 32, true,
            new SplittableRandom(7));

    private static XksSigner signer(XksEndpoint endpoint, String secret, String region, Clock clock) {
        return new XksSigner(endpoint, new SigV4Credential(XksTestProxy.ACCESS_KEY_ID, secret.toCharArray()), region,
                clock);
    }

    private static XksSigner signer(XksEndpoint endpoint, String secret, String region, Instant at) {
        return signer(endpoint, secret, region, Clock.fixed(at, ZoneOffset.UTC));
    }

    private static XksSigner standard() {
        return signer(ENDPOINT, XksTestProxy.SECRET, XksTestProxy.REGION, NOW);
    }

    /** The headers a signed request carries besides host, as the client sends them. */
    private static Map<String, String> headers(XksSigner.Signed signed) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", XksSigner.CONTENT_TYPE);
        headers.put("x-amz-content-sha256", signed.contentSha256());
        headers.put("x-amz-date", signed.amzDate());
        headers.put("authorization", signed.authorization());
        return headers;
    }

    /** The request as a listener receives it: the signed headers and the authority as {@code host}. */
    private static SigV4Request received(XksEndpoint endpoint, XksSigner.Signed signed, String path, byte[] body) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(headers(signed).entrySet());
        headers.add(Map.entry("host", endpoint.authority()));
        return SigV4Request.of("POST", path, headers, body);
    }

    private void assertRefused(SigV4Request request) {
        XksException e = assertThrows(XksException.class, () -> verifier.verify(request));
        assertEquals(XksError.AUTHENTICATION_FAILED, e.error());
    }

    private Map<String, byte[]> everyOperation(XksBodies from) {
        XksCiphertext c = new XksCiphertext(XksTestProxy.KEY_A, "ghxkK1txeDNn3q8Y", "AQAAAAE=", "HMrlRw85cAJUd5Ax",
                "vBxN2ncH1oEkR8WVXpmyYQ==");
        return Map.of(
                ENDPOINT.healthPath(), from.health(),
                ENDPOINT.keyPath(XksTestProxy.KEY_A, "metadata"), from.metadata(XksTestProxy.KEY_A),
                ENDPOINT.keyPath(XksTestProxy.KEY_A, "encrypt"), from.encrypt(XksTestProxy.KEY_A),
                ENDPOINT.keyPath(XksTestProxy.KEY_A, "decrypt"), from.decrypt(c));
    }

    @Test
    void everyOperationVerifiesAsSent() {
        everyOperation(bodies).forEach((path, body) -> assertEquals(XksTestProxy.ACCESS_KEY_ID,
                verifier.verify(received(ENDPOINT, standard().sign(path, body), path, body)).accessKeyId(), path));
    }

    /** The independent reference: the AWS SDK's signer, given the same request and time, writes the same headers. */
    @Test
    void signsExactlyAsTheAwsSdkSigner() {
        XksBodies largest = new XksBodies(List.of(XksTestProxy.KEY_A), XksTestProxy.REGION, 4300, 8192, true,
                new SecureRandom());
        Map<String, byte[]> requests = new LinkedHashMap<>(everyOperation(bodies));
        requests.put(ENDPOINT.keyPath("bench.key_b", "encrypt"), largest.encrypt(XksTestProxy.KEY_A));
        List<XksEndpoint> endpoints = List.of(ENDPOINT, XksEndpoint.parse("https://xks.example.com/kms/xks/v1"),
                XksEndpoint.parse("https://127.0.0.1:18436" + XksTestProxy.URI_PATH));
        for (Instant at : List.of(NOW, Instant.parse("2027-01-01T00:00:00Z"), Instant.parse("2026-12-31T23:59:59Z"))) {
            Clock clock = Clock.fixed(at, ZoneOffset.UTC);
            for (XksEndpoint endpoint : endpoints) {
                XksSigner ours = signer(endpoint, XksTestProxy.SECRET, XksTestProxy.REGION, clock);
                AwsSdkSigner sdk = new AwsSdkSigner(endpoint, XksTestProxy.ACCESS_KEY_ID, XksTestProxy.SECRET,
                        XksTestProxy.REGION, clock);
                requests.forEach((path, body) -> {
                    String p = endpoint.uriPath() + path.substring(ENDPOINT.uriPath().length());
                    assertEquals(sdk.sign(p, body), headers(ours.sign(p, body)), endpoint + p + " at " + at);
                });
            }
        }
    }

    /** The day's signing key is derived again when the UTC day changes, on a clock that moves. */
    @Test
    void theSigningKeyFollowsTheDay() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T23:59:59Z"));
        Clock moving = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        XksSigner signer = signer(ENDPOINT, XksTestProxy.SECRET, XksTestProxy.REGION, moving);
        byte[] body = bodies.health();
        String path = ENDPOINT.healthPath();
        for (String at : List.of("2026-12-07T23:59:59Z", "2026-12-08T00:00:00Z", "2026-12-08T00:00:01Z")) {
            now.set(Instant.parse(at));
            SigV4Verifier atThatTime = new SigV4Verifier(XksTestProxy.REGION, XksTestProxy::dateKey,
                    Clock.fixed(now.get(), ZoneOffset.UTC));
            XksSigner.Signed signed = signer.sign(path, body);
            assertEquals(at.replaceAll("[-:]", ""), signed.amzDate());
            atThatTime.verify(received(ENDPOINT, signed, path, body));
            assertEquals(new AwsSdkSigner(ENDPOINT, XksTestProxy.ACCESS_KEY_ID, XksTestProxy.SECRET,
                    XksTestProxy.REGION, Clock.fixed(now.get(), ZoneOffset.UTC)).sign(path, body), headers(signed), at);
        }
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

    /** As the SDK: the body's SHA-256 is signed as x-amz-content-sha256, which the verifier checks. */
    @Test
    void signsContentTypeHostBodyHashAndDate() throws Exception {
        byte[] body = bodies.health();
        XksSigner.Signed signed = standard().sign(ENDPOINT.healthPath(), body);
        assertEquals("20261207T094656Z", signed.amzDate());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)), signed.contentSha256());
        assertTrue(signed.authorization().startsWith("AWS4-HMAC-SHA256 Credential=" + XksTestProxy.ACCESS_KEY_ID
                + "/20261207/eu-west-3/kms-xks-proxy/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature="), signed.authorization());
    }

    /** A path the signer would have to encode or normalise is not an XKS path: refused, never signed wrongly. */
    @Test
    void aPathThatIsNotItsOwnCanonicalUriIsRefused() {
        for (String path : List.of("", "kms/xks/v1/health", "/a b/kms/xks/v1/health", "/a%2F/kms/xks/v1/health",
                "/a//kms/xks/v1/health", "/a/./kms/xks/v1/health", "/a/../kms/xks/v1/health", "/kms/xks/v1/keys/..",
                "/kms/xks/v1/health?x=1")) {
            assertThrows(IllegalArgumentException.class, () -> standard().sign(path, bodies.health()), path);
        }
    }

    /** AWS KMS connects on 443 and sends the host alone: so does the load tool, or the signature breaks. */
    @Test
    void onPort443TheAuthorityIsTheHostAlone() {
        XksEndpoint standardPort = XksEndpoint.parse("https://xks.example.com" + XksTestProxy.URI_PATH);
        assertEquals("xks.example.com", standardPort.authority());
        byte[] body = bodies.health();
        XksSigner.Signed signed = signer(standardPort, XksTestProxy.SECRET, XksTestProxy.REGION, NOW)
                .sign(standardPort.healthPath(), body);
        verifier.verify(received(standardPort, signed, standardPort.healthPath(), body));

        List<Map.Entry<String, String>> withPort = new ArrayList<>(headers(signed).entrySet());
        withPort.add(Map.entry("host", "xks.example.com:443"));
        assertRefused(SigV4Request.of("POST", standardPort.healthPath(), withPort, body));
    }

    @Test
    void underHttp2TheAuthorityPseudoHeaderVerifies() {
        byte[] body = bodies.metadata(XksTestProxy.KEY_A);
        String path = ENDPOINT.keyPath(XksTestProxy.KEY_A, "metadata");
        List<Map.Entry<String, String>> headers = new ArrayList<>(headers(standard().sign(path, body)).entrySet());
        headers.add(Map.entry(":authority", ENDPOINT.authority()));
        verifier.verify(SigV4Request.of("POST", path, headers, body));
    }

    @Test
    void aBodyChangedAfterSigningIsRefused() {
        byte[] body = bodies.encrypt(XksTestProxy.KEY_A);
        String path = ENDPOINT.keyPath(XksTestProxy.KEY_A, "encrypt");
        XksSigner.Signed signed = standard().sign(path, body);
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
