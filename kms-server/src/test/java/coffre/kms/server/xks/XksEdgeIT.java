package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.API;
import static coffre.kms.server.xks.XksFixture.bytes;
import static coffre.kms.server.xks.XksFixture.decryptBody;
import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.healthBody;
import static coffre.kms.server.xks.XksFixture.metadataBody;
import static coffre.kms.server.xks.XksFixture.path;
import static coffre.kms.server.xks.XksFixture.requestId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.Key;
import coffre.kms.v1.RotateKeyRequest;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The XKS API of a real node (SoftHSM, embedded store), every endpoint's happy path over HTTP/2
 * and HTTP/1.1, requests signed by the AWS SDK's signer: encrypt and decrypt with and without AAD,
 * the integrity value, ciphertexts from before a key rotation, the 4300-byte plaintext and
 * 8192-byte AAD limits (and one byte more), the answers' form (compact JSON, content type).
 */
class XksEdgeIT {
    @TempDir
    static Path dir;
    static XksFixture xks;
    static Key key;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void start() {
        xks = XksFixture.start(dir, Duration.ofSeconds(1), 256);
        key = xks.mappedKey("foo");
    }

    @AfterAll
    static void stop() {
        xks.close();
    }

    private byte[] random(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private XksTestClient.Response post(HttpClient.Version version, String path, String body) {
        return xks.client(version).post(path, xks.signer(), body);
    }

    private static void assertCompactJson(XksTestClient.Response response) {
        assertEquals("application/json", response.contentType());
        assertFalse(response.body().contains("\n") || response.body().contains(": "), response.body());
    }

    @ParameterizedTest
    @EnumSource(value = HttpClient.Version.class)
    void healthAnswersDeeplyOverBothHttpVersions(HttpClient.Version version) {
        XksTestClient.Response health = post(version, API + "/health", healthBody());
        assertEquals(200, health.status(), health.body());
        assertEquals(version, health.version(), "ALPN offers h2, and HTTP/1.1 still works");
        assertCompactJson(health);
        assertTrue(health.body().startsWith("{\"xksProxyFleetSize\":1,\"xksProxyVendor\":\"Coffre\","
                + "\"xksProxyModel\":\"Coffre XKS proxy "), health.body());
        assertTrue(health.body().contains("\"ekmFleetDetails\":[{\"id\":\"test-1/"), health.body());
        assertTrue(health.body().contains("\"healthStatus\":\"ACTIVE\""), health.body());
    }

    @Test
    void keyMetadataDescribesAnEnabledAes256Key() {
        XksTestClient.Response metadata = post(HttpClient.Version.HTTP_2, path("foo", "metadata"),
                metadataBody(requestId()));
        assertEquals(200, metadata.status(), metadata.body());
        assertCompactJson(metadata);
        assertEquals("{\"keySpec\":\"AES_256\",\"keyUsage\":[\"ENCRYPT\",\"DECRYPT\"],\"keyStatus\":\"ENABLED\"}",
                metadata.body());
    }

    @ParameterizedTest
    @EnumSource(value = HttpClient.Version.class)
    void encryptThenDecryptWithAndWithoutAad(HttpClient.Version version) {
        byte[] plaintext = random(32);
        for (byte[] aad : new byte[][] {null, bytes("project=nile,department=marketing")}) {
            XksTestClient.Response encrypted = post(version, path("foo", "encrypt"),
                    encryptBody(requestId(), plaintext, aad, false));
            assertEquals(200, encrypted.status(), encrypted.body());
            assertCompactJson(encrypted);
            assertEquals(32, Base64.getDecoder().decode(XksTestClient.member(encrypted.body(), "ciphertext")).length);
            assertEquals(12, Base64.getDecoder().decode(XksTestClient.member(encrypted.body(), "initializationVector")).length);
            assertEquals(16, Base64.getDecoder().decode(XksTestClient.member(encrypted.body(), "authenticationTag")).length);
            String metadata = XksTestClient.member(encrypted.body(), "ciphertextMetadata");
            assertArrayEquals(new byte[] {1, 0, 0, 0, 1}, Base64.getDecoder().decode(metadata), "format 1, version 1");
            assertNull(XksTestClient.member(encrypted.body(), "ciphertextDataIntegrityValue"), "only when asked");

            XksTestClient.Response decrypted = post(version, path("foo", "decrypt"),
                    decryptBody(requestId(), encrypted.body(), aad, metadata));
            assertEquals(200, decrypted.status(), decrypted.body());
            assertCompactJson(decrypted);
            assertArrayEquals(plaintext, Base64.getDecoder().decode(XksTestClient.member(decrypted.body(), "plaintext")));
        }
    }

    @Test
    void theIntegrityValueIsSha256OfAadMetadataIvCiphertextAndTag() throws Exception {
        byte[] plaintext = random(32);
        byte[] aad = bytes("tenant=acme");
        XksTestClient.Response encrypted = post(HttpClient.Version.HTTP_2, path("foo", "encrypt"),
                encryptBody(requestId(), plaintext, aad, true));
        assertEquals(200, encrypted.status(), encrypted.body());
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(aad);
        for (String member : new String[] {"ciphertextMetadata", "initializationVector", "ciphertext", "authenticationTag"}) {
            sha256.update(Base64.getDecoder().decode(XksTestClient.member(encrypted.body(), member)));
        }
        assertEquals(Base64.getEncoder().encodeToString(sha256.digest()),
                XksTestClient.member(encrypted.body(), "ciphertextDataIntegrityValue"));
        XksTestClient.Response decrypted = post(HttpClient.Version.HTTP_2, path("foo", "decrypt"),
                decryptBody(requestId(), encrypted.body(), aad, XksTestClient.member(encrypted.body(), "ciphertextMetadata")));
        assertEquals(200, decrypted.status(), decrypted.body());
    }

    @Test
    void ciphertextsFromBeforeARotationStillDecrypt() {
        Key rotating = xks.mappedKey("rotating");
        byte[] plaintext = random(32);
        XksTestClient.Response before = post(HttpClient.Version.HTTP_2, path("rotating", "encrypt"),
                encryptBody(requestId(), plaintext, null, false));
        assertEquals(200, before.status(), before.body());
        xks.node.approved(xks.node.adminKeys().rotateKey(RotateKeyRequest.newBuilder()
                .setKeyId(rotating.getId()).build()).getApprovalRequest());
        XksTestClient.Response after = post(HttpClient.Version.HTTP_2, path("rotating", "encrypt"),
                encryptBody(requestId(), plaintext, null, false));
        assertArrayEquals(new byte[] {1, 0, 0, 0, 2},
                Base64.getDecoder().decode(XksTestClient.member(after.body(), "ciphertextMetadata")), "the new primary");
        for (XksTestClient.Response encrypted : new XksTestClient.Response[] {before, after}) {
            XksTestClient.Response decrypted = post(HttpClient.Version.HTTP_2, path("rotating", "decrypt"),
                    decryptBody(requestId(), encrypted.body(), null,
                            XksTestClient.member(encrypted.body(), "ciphertextMetadata")));
            assertEquals(200, decrypted.status(), decrypted.body());
            assertArrayEquals(plaintext, Base64.getDecoder().decode(XksTestClient.member(decrypted.body(), "plaintext")));
        }
    }

    @Test
    void theSpecsLimitsAreServedAndOneByteMoreIsUnsupported() {
        byte[] largest = random(4300);
        byte[] largestAad = random(8192);
        XksTestClient.Response encrypted = post(HttpClient.Version.HTTP_2, path("foo", "encrypt"),
                encryptBody(requestId(), largest, largestAad, true));
        assertEquals(200, encrypted.status(), encrypted.body());
        XksTestClient.Response decrypted = post(HttpClient.Version.HTTP_2, path("foo", "decrypt"),
                decryptBody(requestId(), encrypted.body(), largestAad,
                        XksTestClient.member(encrypted.body(), "ciphertextMetadata")));
        assertEquals(200, decrypted.status(), decrypted.body());
        assertArrayEquals(largest, Base64.getDecoder().decode(XksTestClient.member(decrypted.body(), "plaintext")));

        XksTestClient.Response plaintextTooLarge = post(HttpClient.Version.HTTP_2, path("foo", "encrypt"),
                encryptBody(requestId(), random(4301), null, false));
        assertEquals(501, plaintextTooLarge.status());
        assertTrue(plaintextTooLarge.isError("UnsupportedOperationException"), plaintextTooLarge.body());
        XksTestClient.Response aadTooLarge = post(HttpClient.Version.HTTP_2, path("foo", "encrypt"),
                encryptBody(requestId(), random(32), random(8193), false));
        assertEquals(501, aadTooLarge.status());
        assertTrue(aadTooLarge.isError("UnsupportedOperationException"), aadTooLarge.body());
    }

    @Test
    void loadBalancersProbeWithGetPing() {
        XksTestClient.Response ping = xks.client(HttpClient.Version.HTTP_1_1).unsigned("GET", "/ping", null);
        assertEquals(200, ping.status());
        assertEquals("pong\n", ping.body());
    }
}
