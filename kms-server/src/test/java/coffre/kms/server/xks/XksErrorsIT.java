package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.API;
import static coffre.kms.server.xks.XksFixture.STORE_ID;
import static coffre.kms.server.xks.XksFixture.bytes;
import static coffre.kms.server.xks.XksFixture.conditional;
import static coffre.kms.server.xks.XksFixture.decryptBody;
import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.healthBody;
import static coffre.kms.server.xks.XksFixture.metadata;
import static coffre.kms.server.xks.XksFixture.metadataBody;
import static coffre.kms.server.xks.XksFixture.path;
import static coffre.kms.server.xks.XksFixture.requestId;
import static coffre.kms.server.xks.XksFixture.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Key;
import coffre.kms.v1.RuleEffect;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The errors of the spec's table that a caller can cause, each with its status and errorName, on a
 * real node (SoftHSM): Validation, InvalidState, InvalidCiphertext, InvalidKeyUsage,
 * AuthenticationFailed (wrong secret or key id, replays outside ±5 min, a body changed after
 * signing), AccessDenied (secondary authorization), KeyNotFound, InvalidUriPath, UnsupportedOperation,
 * and 405. Throttling, DependencyTimeout and Internal: {@link XksDeadlinesIT}.
 */
class XksErrorsIT {
    @TempDir
    static Path dir;
    static XksFixture xks;
    static XksTestClient client;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void start() {
        xks = XksFixture.start(dir, Duration.ofSeconds(1), 256);
        xks.mappedKey("foo");
        client = xks.client(HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() {
        xks.close();
    }

    private static XksTestClient.Response post(String path, String body) {
        return client.post(path, xks.signer(), body);
    }

    private static void expect(int status, String errorName, XksTestClient.Response response) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.isError(errorName), "expected " + errorName + ": " + response.body());
        assertEquals("application/json", response.contentType());
    }

    private byte[] random(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private String encrypted(String externalKeyId, byte[] aad) {
        XksTestClient.Response encrypted = post(path(externalKeyId, "encrypt"), encryptBody(requestId(), random(32),
                aad, false));
        assertEquals(200, encrypted.status(), encrypted.body());
        return encrypted.body();
    }

    @Test
    void malformedRequestsAreValidationExceptions() {
        expect(400, "ValidationException", post(path("foo", "metadata"), "{}"));
        expect(400, "ValidationException", post(API + "/health", "{\"requestMetadata\":{}}"));
        expect(400, "ValidationException", post(path("foo", "encrypt"),
                "{\"requestMetadata\":" + metadata("Encrypt", requestId()) + ",\"encryptionAlgorithm\":\"AES_GCM\"}"));
        expect(400, "ValidationException", post(path("foo", "encrypt"), "{\"requestMetadata\":"
                + metadata("Encrypt", requestId()) + ",\"plaintext\":\"not base64!\",\"encryptionAlgorithm\":\"AES_GCM\"}"));
        expect(400, "ValidationException", post(path("foo", "encrypt"), encryptBody(requestId(), random(16), null, false)
                .replace("AES_GCM", "AES_CBC")));
        expect(400, "ValidationException", post(path("foo", "encrypt"), "not json"));
    }

    @Test
    void aDisabledKeyOrKeyStoreIsInvalidStateAndMetadataSaysDisabled() {
        Key key = xks.mappedKey("to-disable");
        String ciphertext = encrypted("to-disable", null);
        xks.node.disable(key.getId());
        expect(400, "InvalidStateException", post(path("to-disable", "encrypt"),
                encryptBody(requestId(), random(32), null, false)));
        expect(400, "InvalidStateException", post(path("to-disable", "decrypt"), decryptBody(requestId(), ciphertext,
                null, XksTestClient.member(ciphertext, "ciphertextMetadata"))));
        XksTestClient.Response disabledKey = post(path("to-disable", "metadata"), metadataBody(requestId()));
        assertEquals(200, disabledKey.status(), disabledKey.body());
        assertTrue(disabledKey.body().contains("\"keyStatus\":\"DISABLED\""), disabledKey.body());

        xks.stores.setState(STORE_ID, ExternalKeyStore.State.DISABLED);
        try {
            expect(400, "InvalidStateException", post(API + "/health", healthBody()));
            expect(400, "InvalidStateException", post(path("foo", "encrypt"), encryptBody(requestId(), random(32), null,
                    false)));
            XksTestClient.Response disabledStore = post(path("foo", "metadata"), metadataBody(requestId()));
            assertEquals(200, disabledStore.status(), disabledStore.body());
            assertTrue(disabledStore.body().contains("\"keyStatus\":\"DISABLED\""), disabledStore.body());
        } finally {
            xks.stores.setState(STORE_ID, ExternalKeyStore.State.ENABLED);
        }
        assertEquals(200, post(path("foo", "encrypt"), encryptBody(requestId(), random(32), null, false)).status());
    }

    @Test
    void aadAndMetadataMismatchesAreInvalidCiphertextExceptions() {
        byte[] aad = bytes("project=nile");
        String ciphertext = encrypted("foo", aad);
        String metadata = XksTestClient.member(ciphertext, "ciphertextMetadata");
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"),
                decryptBody(requestId(), ciphertext, null, metadata)));
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"),
                decryptBody(requestId(), ciphertext, bytes("project=amazon"), metadata)));
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"),
                decryptBody(requestId(), ciphertext, aad, null)));
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"), decryptBody(requestId(), ciphertext, aad,
                Base64.getEncoder().encodeToString(new byte[] {1, 0, 0, 0, 2}))));
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"), decryptBody(requestId(), ciphertext, aad,
                Base64.getEncoder().encodeToString(new byte[] {2, 0, 0, 0, 1}))));
        String tag = XksTestClient.member(ciphertext, "authenticationTag");
        byte[] flipped = Base64.getDecoder().decode(tag);
        flipped[0] ^= 1;
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"), decryptBody(requestId(),
                ciphertext.replace(tag, Base64.getEncoder().encodeToString(flipped)), aad, metadata)));
        String iv = XksTestClient.member(ciphertext, "initializationVector");
        expect(400, "InvalidCiphertextException", post(path("foo", "decrypt"), decryptBody(requestId(),
                ciphertext.replace(iv, Base64.getEncoder().encodeToString(new byte[16])), aad, metadata)));
    }

    @Test
    void aKeyTheStoreMayOnlyEncryptWithIsInvalidKeyUsageForDecryption() {
        xks.mappedKey("encrypt-only", rule(DataOperation.WRAP));
        String ciphertext = encrypted("encrypt-only", null);
        expect(400, "InvalidKeyUsageException", post(path("encrypt-only", "decrypt"), decryptBody(requestId(), ciphertext,
                null, XksTestClient.member(ciphertext, "ciphertextMetadata"))));
        expect(400, "InvalidKeyUsageException", post(path("encrypt-only", "encrypt"),
                encryptBody(requestId(), random(32), null, true)));
        XksTestClient.Response metadata = post(path("encrypt-only", "metadata"), metadataBody(requestId()));
        assertEquals("{\"keySpec\":\"AES_256\",\"keyUsage\":[\"ENCRYPT\"],\"keyStatus\":\"ENABLED\"}", metadata.body());
    }

    @Test
    void badSignaturesAreAuthenticationFailures() {
        String body = healthBody();
        String health = API + "/health";
        expect(401, "AuthenticationFailedException", client.post(health, new AwsSdkSigner(AwsSdkSigner.ACCESS_KEY_ID,
                "Invalid" + AwsSdkSigner.SECRET.substring(7), "us-east-1", SigV4Verifier.SERVICE, xks.now()), body));
        expect(401, "AuthenticationFailedException", client.post(health, new AwsSdkSigner("Invalid" + AwsSdkSigner.ACCESS_KEY_ID,
                AwsSdkSigner.SECRET, "us-east-1", SigV4Verifier.SERVICE, xks.now()), body));
        expect(401, "AuthenticationFailedException", client.post(health, new AwsSdkSigner(AwsSdkSigner.ACCESS_KEY_ID,
                AwsSdkSigner.SECRET, "eu-west-3", SigV4Verifier.SERVICE, xks.now()), body));
        expect(401, "AuthenticationFailedException", client.post(health, new AwsSdkSigner(AwsSdkSigner.ACCESS_KEY_ID,
                AwsSdkSigner.SECRET, "us-east-1", "kms", xks.now()), body));
        expect(401, "AuthenticationFailedException", client.unsigned("POST", health, body));
    }

    @Test
    void replaysOutsideTheFiveMinuteWindowAreRefused() {
        String body = healthBody();
        for (Duration skew : List.of(Duration.ofMinutes(-6), Duration.ofMinutes(6))) {
            expect(401, "AuthenticationFailedException", client.post(API + "/health",
                    AwsSdkSigner.standard(xks.now().plus(skew)), body));
        }
        assertEquals(200, client.post(API + "/health", AwsSdkSigner.standard(xks.now().minus(Duration.ofMinutes(4))),
                body).status(), "four minutes old is within the window");
    }

    @Test
    void aBodyChangedAfterSigningIsRefused() {
        byte[] signed = bytes(encryptBody(requestId(), random(32), null, false));
        byte[] changed = signed.clone();
        changed[changed.length - 3] ^= 1; // "AES_GCM" becomes "AES_GCL": same length, another body
        expect(401, "AuthenticationFailedException", client.post(path("foo", "encrypt"), xks.signer(), signed, changed));
    }

    @Test
    void secondaryAuthorizationRefusesWithAccessDeniedButNeverHealth() {
        xks.mappedKey("s3-only", conditional(RuleEffect.ALLOW, "kms_via_service", List.of("s3"),
                DataOperation.WRAP, DataOperation.UNWRAP));
        expect(403, "AccessDeniedException", post(path("s3-only", "encrypt"),
                encryptBody(requestId(), random(32), null, false)));
        expect(403, "AccessDeniedException", post(path("s3-only", "metadata"), metadataBody(requestId())));

        xks.mappedKey("no-alice", rule(DataOperation.WRAP, DataOperation.UNWRAP),
                conditional(RuleEffect.DENY, "aws_principal_arn", List.of("arn:aws:iam::123456789012:user/*"),
                        DataOperation.UNWRAP));
        String ciphertext = encrypted("no-alice", null);
        expect(403, "AccessDeniedException", post(path("no-alice", "decrypt"), decryptBody(requestId(), ciphertext, null,
                XksTestClient.member(ciphertext, "ciphertextMetadata"))));
        assertEquals(200, post(API + "/health", healthBody()).status(), "health is never subject to it");
    }

    @Test
    void unknownKeysAndPathsAreNotFound() {
        String someCiphertext = "{\"ciphertext\":\"" + XksTestClient.b64(random(16)) + "\",\"initializationVector\":\""
                + XksTestClient.b64(random(12)) + "\",\"authenticationTag\":\"" + XksTestClient.b64(random(16)) + "\"}";
        expect(404, "KeyNotFoundException", post(path("non_existing_key", "metadata"), metadataBody(requestId())));
        expect(404, "KeyNotFoundException", post(path("non_existing_key", "encrypt"),
                encryptBody(requestId(), random(16), null, false)));
        expect(404, "KeyNotFoundException", post(path("non_existing_key", "decrypt"),
                decryptBody(requestId(), someCiphertext, null, null)));
        expect(404, "InvalidUriPathException", post("/example/uri/path/prefix/invalid/kms/xks/v1/health", healthBody()));
        expect(404, "InvalidUriPathException", post("/kms/xks/v1/health", healthBody()));
        expect(404, "InvalidUriPathException", post(API + "/health?x=1", healthBody()));
        expect(404, "InvalidUriPathException", post(API + "/keys/foo/sign", healthBody()));
        expect(404, "InvalidUriPathException", client.unsigned("POST", "/", "{}"));
    }

    @Test
    void getOnTheApiIsMethodNotAllowed() {
        XksTestClient.Response get = client.unsigned("GET", API + "/health", null);
        assertEquals(405, get.status());
        assertEquals("POST", get.allow());
    }

    @Test
    void aBodyOver64KiBIsUnsupported() {
        String huge = "{\"requestMetadata\":" + metadata("Encrypt", requestId()) + ",\"x\":\"" + "a".repeat(70_000) + "\"}";
        expect(501, "UnsupportedOperationException", post(path("foo", "encrypt"), huge));
    }

    @Test
    void aSecondCredentialWorksAtOnceAndARevokedOneStopsAtOnce() {
        String next = "KMSXKSNEXTCREDENTIAL2345";
        String nextSecret = "nEXTsecretNEXTsecretNEXTsecretNEXTsecret00==";
        xks.stores.addCredential(STORE_ID, next, nextSecret);
        AwsSdkSigner rotated = new AwsSdkSigner(next, nextSecret, "us-east-1", SigV4Verifier.SERVICE, xks.now());
        assertEquals(200, client.post(API + "/health", rotated, healthBody()).status());
        assertEquals(200, post(API + "/health", healthBody()).status(), "both pairs work during the rotation");
        xks.stores.revoke(STORE_ID, next);
        expect(401, "AuthenticationFailedException", client.post(API + "/health", rotated, healthBody()));
        assertEquals(200, post(API + "/health", healthBody()).status());
    }
}
