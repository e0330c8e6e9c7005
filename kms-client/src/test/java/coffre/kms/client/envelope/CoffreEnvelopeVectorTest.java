package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.client.DecryptionFailedException;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Pins the envelope format: with a fixed data key and fixed randomness, the Java code writes
 * exactly the bytes of {@code envelope/vector-1.txt}, which an independent Python implementation of
 * docs/client-envelope-format.md ({@code envelope/make_vector.py}) wrote, and opens them again.
 */
class CoffreEnvelopeVectorTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme", "file", "a.csv");

    private static Map<String, String> vector() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = CoffreEnvelopeVectorTest.class.getResourceAsStream("/envelope/vector-1.txt")) {
            properties.load(in);
        }
        Map<String, String> vector = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> vector.put(name, properties.getProperty(name)));
        return vector;
    }

    /** Hands out the vector's data key, and opens only the vector's wrapped key with its context. */
    private record FixedDataKeys(byte[] plaintext, byte[] wrapped) implements DataKeys {
        @Override
        public DataKey generate(String keyId, Map<String, String> context, long plaintextBytes) {
            return DataKey.of(keyId, 1, plaintext, wrapped);
        }

        @Override
        public DataKey unwrap(byte[] wrappedKey, Map<String, String> context) {
            if (!Arrays.equals(wrappedKey, wrapped) || !context.equals(CONTEXT)) {
                throw new DecryptionFailedException(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", Map.of(), "", null);
            }
            return DataKey.of("key-vector", 1, plaintext, wrapped);
        }
    }

    /** The vector's randomness: bytes a0, a1, ... in the order they are asked for (message id, then nonce prefix). */
    private static java.util.function.Consumer<byte[]> counting() {
        int[] next = {0xa0};
        return bytes -> {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) next[0]++;
            }
        };
    }

    @Test
    void aFixedDataKeyGivesTheVectorsBytes() throws Exception {
        Map<String, String> vector = vector();
        FixedDataKeys keys = new FixedDataKeys(HEX.parseHex(vector.get("data_key")), HEX.parseHex(vector.get("wrapped")));
        CoffreEnvelope envelope = new CoffreEnvelope(keys, Integer.parseInt(vector.get("segment_size")), counting());
        byte[] plaintext = HEX.parseHex(vector.get("plaintext"));

        byte[] message = envelope.encrypt("key-vector", CONTEXT, HEX.parseHex(vector.get("associated_data")), plaintext);

        assertEquals(vector.get("message"), HEX.formatHex(message));
        assertEquals("Coffre envelope test vector, three segments", new String(plaintext, StandardCharsets.US_ASCII));
    }

    @Test
    void theVectorOpens() throws Exception {
        Map<String, String> vector = vector();
        FixedDataKeys keys = new FixedDataKeys(HEX.parseHex(vector.get("data_key")), HEX.parseHex(vector.get("wrapped")));
        CoffreEnvelope envelope = new CoffreEnvelope(keys);

        byte[] opened = envelope.decrypt(CONTEXT, HEX.parseHex(vector.get("associated_data")),
                HEX.parseHex(vector.get("message")));

        assertArrayEquals(HEX.parseHex(vector.get("plaintext")), opened);
        assertEquals("record-42", new String(HEX.parseHex(vector.get("associated_data")), StandardCharsets.US_ASCII));
    }

    @Test
    void theHeaderAndCommitmentAreTheVectors() throws Exception {
        Map<String, String> vector = vector();
        EnvelopeHeader header = EnvelopeHeader.create(16, HEX.parseHex(vector.get("message_id")),
                HEX.parseHex(vector.get("nonce_prefix")), HEX.parseHex(vector.get("wrapped")), CONTEXT);

        try (SegmentCipher cipher = SegmentCipher.derive(HEX.parseHex(vector.get("data_key")), header,
                HEX.parseHex(vector.get("associated_data")))) {
            assertEquals(vector.get("header_body"), HEX.formatHex(header.body()));
            assertEquals(vector.get("commitment"), HEX.formatHex(cipher.commitment()));
        }
    }
}
