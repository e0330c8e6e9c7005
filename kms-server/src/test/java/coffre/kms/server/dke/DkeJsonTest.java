package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.SecretBytes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The protocol's JSON as the reference service writes and reads it, and every malformed request refused. */
class DkeJsonTest {
    private static JsonObject json(byte[] body) {
        return new JsonObject(Buffer.buffer(body));
    }

    @Test
    void thePublicKeyIsTheReferenceServicesShape() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(3072);
        RSAPublicKey key = (RSAPublicKey) generator.generateKeyPair().getPublic();
        byte[] body = DkeJson.publicKeyBody(key, "https://dke.example.eu/finance/3",
                Instant.parse("2026-12-08T10:15:30.900Z"));
        String text = new String(body, StandardCharsets.UTF_8);
        assertFalse(text.contains("\n") || text.contains(": "), "compact: " + text);
        JsonObject root = json(body);
        JsonObject k = root.getJsonObject("key");
        assertEquals("RSA", k.getString("kty"));
        assertTrue(k.getValue("e") instanceof Number, "e is a JSON number");
        assertEquals(65537, k.getInteger("e"));
        assertEquals("RS256", k.getString("alg"));
        assertEquals("https://dke.example.eu/finance/3", k.getString("kid"));
        byte[] modulus = Base64.getDecoder().decode(k.getString("n"));
        assertEquals(384, modulus.length, "the unsigned modulus: no sign byte");
        assertEquals(key.getModulus(), new BigInteger(1, modulus));
        assertEquals(0, k.getString("n").length() % 4, "standard, padded Base64");
        assertFalse(k.getString("n").contains("-") || k.getString("n").contains("_"), "not URL-safe Base64");
        assertEquals("2026-12-08T10:15:30", root.getJsonObject("cache").getString("exp"));
        assertFalse(json(DkeJson.publicKeyBody(key, "k", null)).containsKey("cache"), "no cache: not cached");
    }

    @Test
    void aDecryptRequestIsReadAndItsAnswerWritten() throws Exception {
        byte[] ciphertext = new byte[384];
        ciphertext[0] = 7;
        String value = Base64.getEncoder().encodeToString(ciphertext);
        DkeJson.DecryptRequest request = DkeJson.parseDecrypt(("{\"alg\":\"RSA-OAEP-256\",\"value\":\"" + value
                + "\",\"unknown\":{\"x\":[1,2]}}").getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(ciphertext, request.ciphertext());
        try (SecretBytes body = DkeJson.decryptBody(SecretBytes.adopt(new byte[] {1, 2, 3}))) {
            assertEquals("{\"value\":\"AQID\"}", new String(body.reveal(), StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty||the request body is empty",
            "not an object|[1]|not a JSON object",
            "not JSON|{\"alg\":|not valid JSON",
            "no alg|{\"value\":\"AAAA\"}|alg is required",
            "other alg|{\"alg\":\"RSA-OAEP\",\"value\":\"AAAA\"}|alg must be RSA-OAEP-256",
            "alg not a string|{\"alg\":1,\"value\":\"AAAA\"}|alg must be a JSON string",
            "no value|{\"alg\":\"RSA-OAEP-256\"}|value is required",
            "empty value|{\"alg\":\"RSA-OAEP-256\",\"value\":\"\"}|value is required",
            "not Base64|{\"alg\":\"RSA-OAEP-256\",\"value\":\"%%%\"}|value is not Base64",
            "duplicate member|{\"alg\":\"RSA-OAEP-256\",\"alg\":\"RSA-OAEP-256\",\"value\":\"AAAA\"}|not valid JSON",
            "trailing data|{\"alg\":\"RSA-OAEP-256\",\"value\":\"AAAA\"} {}|more than one JSON value"})
    void malformedDecryptRequestsAreRefusedNamingTheMember(String name, String body, String message) {
        DkeException e = assertThrows(DkeException.class,
                () -> DkeJson.parseDecrypt(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
        assertEquals(DkeError.INVALID_REQUEST, e.error());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void tooLongValuesAndBodiesAreRefused() {
        String longValue = "A".repeat(DkeJson.MAX_VALUE_CHARS + 4);
        assertEquals(DkeError.INVALID_REQUEST, assertThrows(DkeException.class, () -> DkeJson.parseDecrypt(
                ("{\"alg\":\"RSA-OAEP-256\",\"value\":\"" + longValue + "\"}").getBytes(StandardCharsets.UTF_8))).error());
        assertEquals(DkeError.PAYLOAD_TOO_LARGE, assertThrows(DkeException.class,
                () -> DkeJson.parseDecrypt(new byte[DkeJson.MAX_BODY_BYTES + 1])).error());
    }

    @Test
    void errorBodiesAreCompactAndNameTheApprovalRequest() throws Exception {
        JsonObject plain = json(new DkeException(DkeError.FORBIDDEN, "access to this key is denied").toJsonBody());
        assertEquals("access_denied", plain.getString("error"));
        assertEquals("access to this key is denied", plain.getString("message"));
        assertFalse(plain.containsKey("approvalRequestId"));
        JsonObject approval = json(DkeJson.errorBody(DkeError.APPROVAL_REQUIRED, "ask", "apr-123"));
        assertEquals("approval_required", approval.getString("error"));
        assertEquals("apr-123", approval.getString("approvalRequestId"));
        assertEquals("bad ? message", new DkeException(DkeError.INVALID_REQUEST, "bad \n message").getMessage());
    }
}
