package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.xks.XksHealthResponse.EkmFleetDetail;
import coffre.kms.server.xks.XksHealthResponse.HealthStatus;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every answer body, byte for byte: compact single-line JSON with the spec's member names. */
class XksResponsesTest {
    @Test
    void keyMetadata() {
        assertEquals("{\"keySpec\":\"AES_256\",\"keyUsage\":[\"ENCRYPT\",\"DECRYPT\"],\"keyStatus\":\"ENABLED\"}",
                json(new XksKeyMetadataResponse(XksKeyMetadataResponse.KeyStatus.ENABLED).toJson()));
        assertEquals("{\"keySpec\":\"AES_256\",\"keyUsage\":[\"ENCRYPT\",\"DECRYPT\"],\"keyStatus\":\"DISABLED\"}",
                json(new XksKeyMetadataResponse(XksKeyMetadataResponse.KeyStatus.DISABLED).toJson()));
    }

    @Test
    void encryptWithIntegrityValueIsTheSpecExample() {
        XksEncryptResponse response = new XksEncryptResponse(XksBase64.decode("ghxkK1txeDNn3q8Y", "c"),
                XksBase64.decode("a2V5X3ZlcnNpb249MQ==", "m"), XksBase64.decode("HMrlRw85cAJUd5Ax", "i"),
                XksBase64.decode("vBxN2ncH1oEkR8WVXpmyYQ==", "t"),
                XksBase64.decode("qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=", "d"));
        assertEquals("{\"ciphertext\":\"ghxkK1txeDNn3q8Y\",\"ciphertextMetadata\":\"a2V5X3ZlcnNpb249MQ==\","
                + "\"initializationVector\":\"HMrlRw85cAJUd5Ax\",\"authenticationTag\":\"vBxN2ncH1oEkR8WVXpmyYQ==\","
                + "\"ciphertextDataIntegrityValue\":\"qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=\"}",
                json(response.toJson()));
    }

    @Test
    void encryptWithoutIntegrityValueOrMetadata() {
        XksEncryptResponse response = new XksEncryptResponse(XksBase64.decode("yhvo7e8vvg3UoCLP", "c"), new byte[0],
                XksBase64.decode("BejmaUXJA08WzxJZ", "i"), XksBase64.decode("2wsU/8i0OvB7JJkDJeiWSQ==", "t"), null);
        assertEquals("{\"ciphertext\":\"yhvo7e8vvg3UoCLP\",\"initializationVector\":\"BejmaUXJA08WzxJZ\","
                + "\"authenticationTag\":\"2wsU/8i0OvB7JJkDJeiWSQ==\"}", json(response.toJson()));
    }

    @Test
    void encryptRefusesMetadataKmsWouldRefuse() {
        assertThrows(IllegalArgumentException.class,
                () -> new XksEncryptResponse(new byte[1], new byte[21], new byte[12], new byte[16], null));
    }

    @Test
    void decryptBodyIsSecretAndCompact() {
        try (XksDecryptResponse response = new XksDecryptResponse(SecretBytes.copyOf(bytes("Hello World!")));
             SecretBytes body = response.toJson()) {
            assertEquals("{\"plaintext\":\"SGVsbG8gV29ybGQh\"}", json(body.reveal()));
            assertFalse(body.toString().contains("SGVsbG8"));
            assertFalse(response.toString().contains("Hello"));
        }
    }

    @Test
    void decryptCloseZeroesThePlaintext() {
        XksDecryptResponse response = new XksDecryptResponse(SecretBytes.copyOf(bytes("Hello World!")));
        byte[] live = response.plaintext().reveal();
        response.close();
        assertArrayEquals(new byte[12], live);
    }

    @Test
    void healthIsTheSpecExample() {
        XksHealthResponse health = new XksHealthResponse(2, "Acme Corp", "Acme XKS Proxy 1.0", "Thales Group", List.of(
                new EkmFleetDetail("hsm-id-1", "Luna 5.0", HealthStatus.DEGRADED),
                new EkmFleetDetail("hsm-id-2", "Luna 5.1", HealthStatus.ACTIVE)));
        assertEquals("{\"xksProxyFleetSize\":2,\"xksProxyVendor\":\"Acme Corp\",\"xksProxyModel\":\"Acme XKS Proxy 1.0\","
                + "\"ekmVendor\":\"Thales Group\",\"ekmFleetDetails\":[{\"id\":\"hsm-id-1\",\"model\":\"Luna 5.0\","
                + "\"healthStatus\":\"DEGRADED\"},{\"id\":\"hsm-id-2\",\"model\":\"Luna 5.1\",\"healthStatus\":\"ACTIVE\"}]}",
                json(health.toJson()));
    }

    @Test
    void healthKeepsToTheSpecsBounds() {
        EkmFleetDetail hsm = new EkmFleetDetail("hsm-1", "SoftHSM 2.6", HealthStatus.UNAVAILABLE);
        assertThrows(IllegalArgumentException.class, () -> new XksHealthResponse(0, "v", "m", "e", List.of(hsm)));
        assertThrows(IllegalArgumentException.class, () -> new XksHealthResponse(1, "v", "m", "e", List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new XksHealthResponse(1, "v", "m", "e", Collections.nCopies(11, hsm)));
        assertThrows(IllegalArgumentException.class, () -> new XksHealthResponse(1, " ", "m", "e", List.of(hsm)));
        assertThrows(IllegalArgumentException.class, () -> new EkmFleetDetail("", "m", HealthStatus.ACTIVE));
        assertThrows(IllegalArgumentException.class, () -> new EkmFleetDetail("i", "m", null));
        new XksHealthResponse(1, "v", "m", "e", Collections.nCopies(10, hsm));
    }

    @Test
    void healthEscapesItsStrings() {
        XksHealthResponse health = new XksHealthResponse(1, "Coffre \"sovereign\"", "Coffre 0.1", "SoftHSM",
                List.of(new EkmFleetDetail("a\nb", "m", HealthStatus.ACTIVE)));
        String body = json(health.toJson());
        assertFalse(body.contains("\n"), "one line");
        assertTrue(body.contains("\"xksProxyVendor\":\"Coffre \\\"sovereign\\\"\""));
    }

    private static String json(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
