package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SigV4Verifier} against an independent signer, the AWS SDK's {@code AwsV4HttpSigner} (test
 * scope only): whatever a standard signer produces for an XKS request must verify, and what it
 * signs for another region, service or time must not.
 */
class SigV4SdkSignerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T09:46:56Z");
    private static final String BASE = "https://xks.example.com/example/uri/path/prefix/kms/xks/v1";

    private final SigV4Verifier verifier = SigV4VerifierTest.verifierAt(NOW, TestDateKeys.standard());

    @Test
    void healthRequestVerifies() {
        SigV4Request request = AwsSdkSigner.standard(NOW).sign(BASE + "/health", SigV4VerifierTest.BODY);
        assertEquals(AwsSdkSigner.ACCESS_KEY_ID, verifier.verify(request).accessKeyId());
    }

    @Test
    void largestEncryptRequestVerifies() {
        byte[] body = largestEncryptBody();
        assertTrue(body.length > 17_000, "the body is " + body.length + " bytes");
        SigV4Request request = AwsSdkSigner.standard(NOW).sign(BASE + "/keys/foo/encrypt", body);
        verifier.verify(request);
    }

    @Test
    void extraSignedHeadersVerify() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("X-Coffre-Spaces", List.of("  a   b \t c  "));
        headers.put("X-Coffre-Multi", List.of("first", "second"));
        headers.put("X-Amz-Target", List.of("TrentService.Encrypt"));
        SigV4Request request = AwsSdkSigner.standard(NOW).sign(BASE + "/keys/foo/decrypt", headers,
                SigV4VerifierTest.BODY);
        String authorization = request.header("authorization").get(0);
        assertTrue(authorization.contains("x-coffre-multi;x-coffre-spaces"), authorization);
        verifier.verify(request);
    }

    @Test
    void hostWithAPortVerifies() {
        SigV4Request request = AwsSdkSigner.standard(NOW).sign("https://xks.example.com:8443/kms/xks/v1/health",
                SigV4VerifierTest.BODY);
        assertEquals(List.of("xks.example.com:8443"), request.header("host"));
        verifier.verify(request);
    }

    @Test
    void signedContentSha256Verifies() {
        SigV4Request request = AwsSdkSigner.standard(NOW).withContentSha256Header()
                .sign(BASE + "/keys/foo/encrypt", SigV4VerifierTest.BODY);
        String authorization = request.header("authorization").get(0);
        assertTrue(authorization.contains("x-amz-content-sha256"), authorization);
        verifier.verify(request);
    }

    @Test
    void http2AuthorityVerifies() {
        SigV4Request request = SigV4VerifierTest.withHeaders(
                AwsSdkSigner.standard(NOW).sign(BASE + "/health", SigV4VerifierTest.BODY), h -> {
                    List<String> host = h.remove(h.keySet().stream().filter("host"::equalsIgnoreCase).findFirst()
                            .orElseThrow());
                    h.put(":authority", host);
                    return h;
                });
        verifier.verify(request);
    }

    @Test
    void anotherRegionIsRefused() {
        SigV4Request request = new AwsSdkSigner(AwsSdkSigner.ACCESS_KEY_ID, AwsSdkSigner.SECRET, "eu-west-3",
                SigV4Verifier.SERVICE, NOW).sign(BASE + "/health", SigV4VerifierTest.BODY);
        SigV4VerifierTest.assertRefused(verifier, request, "region");
    }

    @Test
    void anotherServiceIsRefused() {
        SigV4Request request = new AwsSdkSigner(AwsSdkSigner.ACCESS_KEY_ID, AwsSdkSigner.SECRET, "us-east-1",
                "kms", NOW).sign(BASE + "/health", SigV4VerifierTest.BODY);
        SigV4VerifierTest.assertRefused(verifier, request, "service");
    }

    @Test
    void aReplayAfterSixMinutesIsRefused() {
        SigV4Request request = AwsSdkSigner.standard(NOW.minus(Duration.ofMinutes(6)))
                .sign(BASE + "/health", SigV4VerifierTest.BODY);
        SigV4VerifierTest.assertRefused(verifier, request, "5 minutes");
    }

    @Test
    void anotherSecretIsRefused() {
        SigV4Request request = new AwsSdkSigner(AwsSdkSigner.ACCESS_KEY_ID, "Invalid" + AwsSdkSigner.SECRET,
                "us-east-1", SigV4Verifier.SERVICE, NOW).sign(BASE + "/health", SigV4VerifierTest.BODY);
        SigV4VerifierTest.assertRefused(verifier, request, "does not verify");
    }

    /** 4300 bytes of plaintext, 8192 of AAD, two 2048-character ARNs: the largest legal Encrypt. */
    static byte[] largestEncryptBody() {
        Random random = new Random(20);
        byte[] plaintext = new byte[4300];
        byte[] aad = new byte[8192];
        random.nextBytes(plaintext);
        random.nextBytes(aad);
        SecretLedger.record(plaintext);
        String arn = "arn:aws:iam::123456789012:user/" + "a".repeat(2048 - 31);
        String json = "{\n  \"requestMetadata\": {\"awsPrincipalArn\": \"" + arn + "\", \"kmsKeyArn\": \"" + arn
                + "\", \"kmsOperation\": \"Encrypt\", \"kmsRequestId\": \"4112f4d6-db54-4af4-ae30-c55a22a8dfae\"},\n"
                + "  \"plaintext\": \"" + Base64.getEncoder().encodeToString(plaintext) + "\",\n"
                + "  \"additionalAuthenticatedData\": \"" + Base64.getEncoder().encodeToString(aad) + "\",\n"
                + "  \"encryptionAlgorithm\": \"AES_GCM\", \"ciphertextDataIntegrityValueAlgorithm\": \"SHA_256\"\n}\n";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
