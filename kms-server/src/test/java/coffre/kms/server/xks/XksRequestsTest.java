package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request bodies: the spec's examples (with the commas its text lacks), what must be accepted
 * (unknown members, unknown kmsOperation, opaque request ids) and every refusal.
 */
class XksRequestsTest {
    static final String ALICE = "\"awsPrincipalArn\":\"arn:aws:iam::123456789012:user/Alice\"";
    static final String KEY_ARN = "\"kmsKeyArn\":\"arn:aws:kms:us-east-2:123456789012:/key/1234abcd-12ab-34cd-56ef-1234567890ab\"";
    static final String ENCRYPT = "{\"requestMetadata\":{" + ALICE + "," + KEY_ARN + ",\"kmsOperation\":\"Encrypt\","
            + "\"kmsRequestId\":\"4112f4d6-db54-4af4-ae30-c55a22a8dfae\",\"kmsViaService\":\"ebs\"},"
            + "\"additionalAuthenticatedData\":\"cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n\","
            + "\"plaintext\":\"SGVsbG8gV29ybGQh\",\"encryptionAlgorithm\":\"AES_GCM\","
            + "\"ciphertextDataIntegrityValueAlgorithm\":\"SHA_256\"}";
    static final String DECRYPT = "{\"requestMetadata\":{" + ALICE + "," + KEY_ARN + ",\"kmsOperation\":\"Decrypt\","
            + "\"kmsRequestId\":\"5112f4d6-db54-4af4-ae30-c55a22a8dfae\",\"kmsViaService\":\"ebs\"},"
            + "\"additionalAuthenticatedData\":\"cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n\","
            + "\"encryptionAlgorithm\":\"AES_GCM\",\"ciphertext\":\"ghxkK1txeDNn3q8Y\","
            + "\"ciphertextMetadata\":\"a2V5X3ZlcnNpb249MQ==\",\"initializationVector\":\"HMrlRw85cAJUd5Ax\","
            + "\"authenticationTag\":\"vBxN2ncH1oEkR8WVXpmyYQ==\"}";
    static final String METADATA = "{\"requestMetadata\":{" + ALICE + "," + KEY_ARN + ",\"kmsOperation\":\"DescribeKey\","
            + "\"kmsRequestId\":\"4112f4d6-db54-4af4-ae30-c55a22a8dfae\",\"kmsViaService\":\"ebs\"}}";
    static final String HEALTH = "{\"requestMetadata\":{\"kmsRequestId\":\"4112f4d6-db54-4af4-ae30-c55a22a8dfae\","
            + "\"kmsOperation\":\"KmsHealthCheck\"}}";

    @Test
    void specEncryptExample() {
        try (XksEncryptRequest request = XksRequests.parseEncrypt(bytes(ENCRYPT))) {
            assertArrayEquals(bytes("Hello World!"), request.plaintext().reveal());
            assertArrayEquals(bytes("project=nile,department=marketing"), request.additionalAuthenticatedData());
            assertTrue(request.integrityValueRequested());
            XksRequestMetadata m = request.requestMetadata();
            assertEquals("arn:aws:iam::123456789012:user/Alice", m.awsPrincipalArn());
            assertEquals("Encrypt", m.kmsOperation());
            assertEquals("ebs", m.kmsViaService());
            assertNull(m.awsSourceVpc());
            assertFalse(request.toString().contains("Hello"), "the plaintext never prints");
        }
    }

    @Test
    void closingZeroesThePlaintext() {
        XksEncryptRequest request = XksRequests.parseEncrypt(bytes(ENCRYPT));
        byte[] live = request.plaintext().reveal();
        request.close();
        assertArrayEquals(new byte[live.length], live);
    }

    @Test
    void specDecryptExample() {
        XksDecryptRequest request = XksRequests.parseDecrypt(bytes(DECRYPT));
        assertEquals(12, request.ciphertext().length);
        assertArrayEquals(bytes("key_version=1"), request.ciphertextMetadata());
        assertEquals(12, request.initializationVector().length);
        assertEquals(16, request.authenticationTag().length);
        assertEquals(28, request.ciphertextAndTag().length);
        assertEquals("5112f4d6-db54-4af4-ae30-c55a22a8dfae", request.requestMetadata().kmsRequestId());
    }

    @Test
    void specMetadataAndHealthExamples() {
        assertEquals("DescribeKey", XksRequests.parseKeyMetadata(bytes(METADATA)).kmsOperation());
        assertEquals("KmsHealthCheck", XksRequests.parseHealth(bytes(HEALTH)).kmsOperation());
    }

    @Test
    void optionalMembersMayBeAbsent() {
        try (XksEncryptRequest request = XksRequests.parseEncrypt(bytes(without(without(ENCRYPT,
                "\"additionalAuthenticatedData\":\"cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n\","),
                ",\"ciphertextDataIntegrityValueAlgorithm\":\"SHA_256\"")))) {
            assertEquals(0, request.additionalAuthenticatedData().length);
            assertFalse(request.integrityValueRequested());
        }
        XksDecryptRequest decrypt = XksRequests.parseDecrypt(bytes(DECRYPT
                .replace("\"ciphertextMetadata\":\"a2V5X3ZlcnNpb249MQ==\",", "")
                .replace("\"additionalAuthenticatedData\":\"cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n\"", "\"additionalAuthenticatedData\":null")));
        assertEquals(0, decrypt.ciphertextMetadata().length);
        assertEquals(0, decrypt.additionalAuthenticatedData().length);
        assertNull(XksRequests.parseKeyMetadata(bytes(without(METADATA, "," + KEY_ARN))).kmsKeyArn());
    }

    @Test
    void unknownMembersAreIgnoredAtBothLevels() {
        String body = ENCRYPT.replace("{\"requestMetadata\":{", "{\"future\":[1,{\"a\":null}],\"requestMetadata\":{"
                + "\"SourceIdentity\":\"x\",\"kmsRecipientAttestationPCR0\":\"00\",\"tags\":{\"k\":[\"v\"]},\"n\":5,");
        try (XksEncryptRequest request = XksRequests.parseEncrypt(bytes(body))) {
            assertEquals(12, request.plaintext().length());
        }
    }

    @Test
    void kmsOperationAndRequestIdAreNeverJudged() {
        XksRequestMetadata m = XksRequests.parseHealth(bytes(
                "{\"requestMetadata\":{\"kmsOperation\":\"SomeFutureOperation\",\"kmsRequestId\":\"not a uuid!\"}}"));
        assertEquals("SomeFutureOperation", m.kmsOperation());
        assertEquals("not a uuid!", m.kmsRequestId());
    }

    @Test
    void arnsOfUpTo2048Characters() {
        String arn = "arn:aws:iam::123456789012:user/" + "a".repeat(2048 - 31);
        String ok = METADATA.replace("arn:aws:iam::123456789012:user/Alice", arn);
        assertEquals(arn, XksRequests.parseKeyMetadata(bytes(ok)).awsPrincipalArn());
        assertValidation(() -> XksRequests.parseKeyMetadata(bytes(ok.replace(arn, arn + "a"))));
        assertValidation(() -> XksRequests.parseEncrypt(bytes(ENCRYPT.replace(":/key/", ":/key/" + "k".repeat(2048)))));
    }

    @Test
    void theLargestLegalEncryptParses() {
        try (XksEncryptRequest request = XksRequests.parseEncrypt(SigV4SdkSignerTest.largestEncryptBody())) {
            assertEquals(4300, request.plaintext().length());
            assertEquals(8192, request.additionalAuthenticatedData().length);
        }
    }

    @Test
    void bodiesOver64KiBAreUnsupported() {
        String padded = ENCRYPT.replace("{\"requestMetadata\"", "{\"pad\":\"" + "x".repeat(65_536) + "\",\"requestMetadata\"");
        XksException e = assertThrows(XksException.class, () -> XksRequests.parseEncrypt(bytes(padded)));
        assertEquals(XksError.UNSUPPORTED_OPERATION, e.error());
    }

    @Test
    void jsonErrorsNeverQuoteTheBody() {
        XksException e = assertThrows(XksException.class,
                () -> XksRequests.parseEncrypt(bytes(ENCRYPT.replace("\"SGVsbG8gV29ybGQh\"", "SGVsbG8gV29ybGQh"))));
        assertEquals(XksError.VALIDATION, e.error());
        assertEquals("the request body is not valid JSON", e.getMessage());
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refusal("health: empty object (AWS test client)", "{}", XksRequests::parseHealth),
                refusal("health: empty requestMetadata (AWS test client)", "{\"requestMetadata\":{}}", XksRequests::parseHealth),
                refusal("metadata: empty object (AWS test client)", "{}", XksRequests::parseKeyMetadata),
                refusal("metadata: empty requestMetadata (AWS test client)", "{\"requestMetadata\":{}}", XksRequests::parseKeyMetadata),
                refusal("health: no kmsRequestId", without(HEALTH, "\"kmsRequestId\":\"4112f4d6-db54-4af4-ae30-c55a22a8dfae\","), XksRequests::parseHealth),
                refusal("health: no kmsOperation", without(HEALTH, ",\"kmsOperation\":\"KmsHealthCheck\""), XksRequests::parseHealth),
                refusal("health: empty kmsOperation", HEALTH.replace("KmsHealthCheck", ""), XksRequests::parseHealth),
                refusal("health: requestMetadata null", "{\"requestMetadata\":null}", XksRequests::parseHealth),
                refusal("health: requestMetadata a string", "{\"requestMetadata\":\"x\"}", XksRequests::parseHealth),
                refusal("metadata: no awsPrincipalArn", without(METADATA, ALICE + ","), XksRequests::parseKeyMetadata),
                refusal("metadata: kmsOperation a number", METADATA.replace("\"DescribeKey\"", "7"), XksRequests::parseKeyMetadata),
                refusal("encrypt: no kmsKeyArn", without(ENCRYPT, KEY_ARN + ","), XksRequests::parseEncrypt),
                refusal("encrypt: no awsPrincipalArn", without(ENCRYPT, ALICE + ","), XksRequests::parseEncrypt),
                refusal("encrypt: no plaintext (AWS test client)", without(ENCRYPT, "\"plaintext\":\"SGVsbG8gV29ybGQh\","), XksRequests::parseEncrypt),
                refusal("encrypt: empty plaintext", ENCRYPT.replace("SGVsbG8gV29ybGQh", ""), XksRequests::parseEncrypt),
                refusal("encrypt: plaintext a number", ENCRYPT.replace("\"SGVsbG8gV29ybGQh\"", "12"), XksRequests::parseEncrypt),
                refusal("encrypt: no encryptionAlgorithm", without(ENCRYPT, "\"encryptionAlgorithm\":\"AES_GCM\","), XksRequests::parseEncrypt),
                refusal("encrypt: AES_GCM_256", ENCRYPT.replace("\"AES_GCM\"", "\"AES_GCM_256\""), XksRequests::parseEncrypt),
                refusal("encrypt: aes_gcm", ENCRYPT.replace("\"AES_GCM\"", "\"aes_gcm\""), XksRequests::parseEncrypt),
                refusal("encrypt: SHA256", ENCRYPT.replace("\"SHA_256\"", "\"SHA256\""), XksRequests::parseEncrypt),
                refusal("encrypt: unpadded Base64", ENCRYPT.replace("bWFya2V0aW5n", "bWFya2V0aW4"), XksRequests::parseEncrypt),
                refusal("decrypt: no ciphertext", without(DECRYPT, "\"ciphertext\":\"ghxkK1txeDNn3q8Y\","), XksRequests::parseDecrypt),
                refusal("decrypt: no initializationVector", without(DECRYPT, "\"initializationVector\":\"HMrlRw85cAJUd5Ax\","), XksRequests::parseDecrypt),
                refusal("decrypt: no authenticationTag", without(DECRYPT, ",\"authenticationTag\":\"vBxN2ncH1oEkR8WVXpmyYQ==\""), XksRequests::parseDecrypt),
                refusal("decrypt: no encryptionAlgorithm", without(DECRYPT, "\"encryptionAlgorithm\":\"AES_GCM\","), XksRequests::parseDecrypt),
                refusal("decrypt: no kmsKeyArn", without(DECRYPT, KEY_ARN + ","), XksRequests::parseDecrypt),
                refusal("decrypt: URL-safe Base64", DECRYPT.replace("vBxN2ncH1oEkR8WVXpmyYQ==", "vBxN2ncH1oEkR8WVXpmyYQ-_"), XksRequests::parseDecrypt),
                refusal("empty body", "", XksRequests::parseHealth),
                refusal("not JSON", "requestMetadata", XksRequests::parseHealth),
                refusal("JSON array", "[" + HEALTH + "]", XksRequests::parseHealth),
                refusal("two JSON values", HEALTH + HEALTH, XksRequests::parseHealth),
                refusal("trailing garbage", HEALTH + "x", XksRequests::parseHealth),
                refusal("duplicate member", HEALTH.replace("{\"kmsRequestId\"", "{\"kmsOperation\":\"A\",\"kmsRequestId\""), XksRequests::parseHealth),
                refusal("duplicate plaintext", ENCRYPT.replace("{\"requestMetadata\"", "{\"plaintext\":\"AAAA\",\"requestMetadata\""), XksRequests::parseEncrypt),
                refusal("comment", HEALTH.replace("{\"requestMetadata\"", "{/* c */\"requestMetadata\""), XksRequests::parseHealth),
                refusal("single quotes", HEALTH.replace('"', '\''), XksRequests::parseHealth),
                refusal("truncated", HEALTH.substring(0, HEALTH.length() - 1), XksRequests::parseHealth),
                refusal("nested too deep", "{\"x\":" + "[".repeat(20) + "]".repeat(20) + "," + HEALTH.substring(1), XksRequests::parseHealth));
    }

    private static Arguments refusal(String name, String body, Consumer<byte[]> parser) {
        return Arguments.of(name, body, parser);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesInvalidBodies(String name, String body, Consumer<byte[]> parser) {
        assertValidation(() -> parser.accept(bytes(body)));
    }

    static Stream<Arguments> base64() {
        return Stream.of(
                Arguments.of("canonical, two pad", "QQ==", true),
                Arguments.of("canonical, one pad", "QUI=", true),
                Arguments.of("canonical, no pad", "QUJD", true),
                Arguments.of("empty", "", true),
                Arguments.of("missing padding", "QQ", false),
                Arguments.of("three pads", "Q===", false),
                Arguments.of("pad in the middle", "QQ==QUJD", false),
                Arguments.of("leftover bits set, two pad", "QR==", false),
                Arguments.of("leftover bits set, one pad", "QUJ=", false),
                Arguments.of("URL-safe alphabet", "-_-_", false),
                Arguments.of("whitespace", "QU JD", false),
                Arguments.of("line break", "QUJD\nQUJD", false),
                Arguments.of("non-ASCII", "QUJé", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("base64")
    void base64IsStandardPaddedAndCanonical(String name, String text, boolean accepted) {
        if (accepted) {
            assertArrayEquals(java.util.Base64.getDecoder().decode(text), XksBase64.decode(text, "f"));
        } else {
            assertValidation(() -> XksBase64.decode(text, "f"));
        }
    }

    static void assertValidation(org.junit.jupiter.api.function.Executable call) {
        XksException e = assertThrows(XksException.class, call);
        assertEquals(XksError.VALIDATION, e.error(), e.getMessage());
    }

    private static String without(String body, String part) {
        if (!body.contains(part)) {
            throw new AssertionError("the body has no " + part);
        }
        return body.replace(part, "");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
