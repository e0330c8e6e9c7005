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

import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.Key;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.RotateKeyRequest;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
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

    @Test
    void everyCallIsAuditedWithItsXksFieldsAndFoundByThem() {
        String ok = requestId();
        byte[] plaintext = random(32);
        assertEquals(200, post(HttpClient.Version.HTTP_2, path("foo", "encrypt"),
                encryptBody(ok, plaintext, null, false)).status());
        String refused = requestId();
        assertEquals(404, post(HttpClient.Version.HTTP_2, path("nope", "encrypt"),
                encryptBody(refused, random(32), null, false)).status());
        String forged = requestId();
        assertEquals(401, xks.client(HttpClient.Version.HTTP_2).post(path("foo", "metadata"), new AwsSdkSigner(
                AwsSdkSigner.ACCESS_KEY_ID, "A" + AwsSdkSigner.SECRET.substring(1), "us-east-1", SigV4Verifier.SERVICE,
                xks.now()), metadataBody(forged)).status());

        AuditEvent done = only(QueryAuditEventsRequest.newBuilder().setKmsRequestId(ok));
        assertEquals("XKS_ENCRYPT", done.getType());
        assertEquals("ALLOWED", done.getDecision());
        assertEquals("xks:eu-store", done.getPrincipal());
        assertEquals(XksFixture.STORE_ID, done.getTarget());
        assertEquals(key.getId(), done.getKeyId());
        assertEquals(1, done.getKeyVersion());
        assertEquals(ok, done.getRequestId());
        assertTrue(done.getDetail().startsWith("awsPrincipalArn=" + XksFixture.ALICE + " kmsOperation=Encrypt "
                + "externalKeyId=foo accessKeyId=" + AwsSdkSigner.ACCESS_KEY_ID + " kmsViaService=ebs kmsKeyArn="),
                done.getDetail());
        assertFalse(done.getDetail().contains(Base64.getEncoder().encodeToString(plaintext)), "never the plaintext");

        AuditEvent notFound = only(QueryAuditEventsRequest.newBuilder().setKmsRequestId(refused));
        assertEquals("INVALID", notFound.getDecision());
        assertEquals("KEY_NOT_FOUND", notFound.getReason());
        assertTrue(notFound.getDetail().contains("errorName=KeyNotFoundException"), notFound.getDetail());
        assertEquals(List.of(), xks.node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setKmsRequestId(forged).build()).getEventsList(), "an unauthenticated body is not read, nor recorded");
        List<AuditEvent> unsigned = xks.node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("XKS_KEY_METADATA").setXksKeyStore(XksFixture.STORE_NAME).setPageSize(1000).build())
                .getEventsList().stream().filter(e -> e.getDetail().contains("AuthenticationFailedException")).toList();
        assertEquals(1, unsigned.size(), unsigned.toString());
        assertEquals("DENIED", unsigned.get(0).getDecision());
        assertEquals("UNAUTHENTICATED_PRINCIPAL", unsigned.get(0).getReason());
        assertEquals("externalKeyId=foo errorName=AuthenticationFailedException", unsigned.get(0).getDetail());

        int byPrincipal = xks.node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setAwsPrincipalArn(XksFixture.ALICE).setXksKeyStore(XksFixture.STORE_NAME).setPageSize(1000).build())
                .getEventsCount();
        assertTrue(byPrincipal >= 2, "found by AWS principal and key store name: " + byPrincipal);
        assertEquals(byPrincipal, xks.node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setAwsPrincipalArn(XksFixture.ALICE).setXksKeyStore(XksFixture.STORE_ID).setPageSize(1000).build())
                .getEventsCount(), "or by key store id");
        assertEquals(0, xks.node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setAwsPrincipalArn("arn:aws:iam::123456789012:user/Mallory").setPageSize(1000).build()).getEventsCount());
    }

    private static AuditEvent only(QueryAuditEventsRequest.Builder query) {
        List<AuditEvent> events = xks.node.adminAudit().queryEvents(query.setPageSize(10).build()).getEventsList();
        assertEquals(1, events.size(), events.toString());
        return events.get(0);
    }
}
