package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.client.DecryptionFailedException;
import coffre.kms.client.envelope.EnvelopeException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Round trips of every shape of stream, and every data key zeroed after use. */
class CoffreEnvelopeTest {
    static final Map<String, String> CONTEXT = Map.of("tenant", "acme", "file", "a.csv");

    private final LocalDataKeys keys = new LocalDataKeys();

    static byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @ParameterizedTest(name = "{0} bytes in segments of 16")
    @ValueSource(ints = {0, 1, 15, 16, 17, 31, 32, 33, 1000})
    void everyLengthRoundTripsInTheRightNumberOfSegments(int length) throws Exception {
        CoffreEnvelope envelope = new CoffreEnvelope(keys).withSegmentSize(16);
        byte[] plaintext = bytes(length, length);
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();

        EnvelopeInfo written = envelope.encrypt("alias/files", CONTEXT, new ByteArrayInputStream(plaintext), sealed);
        ByteArrayOutputStream opened = new ByteArrayOutputStream();
        EnvelopeInfo read = envelope.decrypt(CONTEXT, new ByteArrayInputStream(sealed.toByteArray()), opened);

        assertArrayEquals(plaintext, opened.toByteArray());
        int segments = Math.max(1, (length + 15) / 16);
        int header = 4 + 1 + 4 + 32 + 7 + 2 + 60 + 4 + CanonicalContext.encode(CONTEXT).length + 32;
        assertEquals(header + length + 16L * segments, sealed.size());
        assertEquals(new EnvelopeInfo(LocalDataKeys.KEY_ID, 1, CONTEXT, 16, length), written);
        assertEquals(written, read);
    }

    @Test
    void theDefaultSegmentsCarryALargerStream() throws Exception {
        CoffreEnvelope envelope = new CoffreEnvelope(keys);
        byte[] plaintext = bytes(3 * CoffreEnvelope.DEFAULT_SEGMENT_SIZE + 7, 42);

        byte[] message = envelope.encrypt("alias/files", CONTEXT, plaintext);

        assertArrayEquals(plaintext, envelope.decrypt(CONTEXT, message));
        assertEquals(CoffreEnvelope.DEFAULT_SEGMENT_SIZE, new CoffreEnvelope(keys).decrypt(CONTEXT,
                new ByteArrayInputStream(message), new ByteArrayOutputStream()).segmentSize());
    }

    @Test
    void twoMessagesOfTheSamePlaintextDifferAndEachCallsCoffreOnce() throws Exception {
        CoffreEnvelope envelope = new CoffreEnvelope(keys);
        byte[] plaintext = bytes(100, 1);

        byte[] first = envelope.encrypt("alias/files", CONTEXT, plaintext);
        byte[] second = envelope.encrypt("alias/files", CONTEXT, plaintext);

        assertFalse(Arrays.equals(first, second));
        assertEquals(2, keys.generateCalls.get());
    }

    @Test
    void aWrongContextIsRefusedBeforeCoffreIsAsked() {
        CoffreEnvelope envelope = new CoffreEnvelope(keys);
        byte[] message = envelope.encrypt("alias/files", CONTEXT, bytes(100, 2));

        EnvelopeException e = assertThrows(EnvelopeException.class,
                () -> envelope.decrypt(Map.of("tenant", "other", "file", "a.csv"), message));

        assertEquals(Reason.CONTEXT_MISMATCH, e.reason());
        assertEquals("CONTEXT_MISMATCH: the message is bound to another encryption context (its keys: [file, tenant])",
                e.getMessage());
        assertEquals(0, keys.unwrapCalls.get());
    }

    @Test
    void associatedDataAreBoundButNeitherStoredNorSentToCoffre() throws Exception {
        CoffreEnvelope envelope = new CoffreEnvelope(keys);
        byte[] plaintext = bytes(100, 12);
        byte[] recordId = "record-42".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] message = envelope.encrypt("alias/files", CONTEXT, recordId, plaintext);

        EnvelopeException other = assertThrows(EnvelopeException.class, () -> envelope.decrypt(CONTEXT,
                "record-43".getBytes(java.nio.charset.StandardCharsets.UTF_8), message));
        EnvelopeException none = assertThrows(EnvelopeException.class, () -> envelope.decrypt(CONTEXT, message));

        assertArrayEquals(plaintext, envelope.decrypt(CONTEXT, recordId, message));
        assertEquals(Reason.HEADER_AUTHENTICATION_FAILED, other.reason());
        assertEquals(Reason.HEADER_AUTHENTICATION_FAILED, none.reason());
        assertEquals(-1, java.util.Collections.indexOfSubList(
                java.util.Arrays.asList(box(message)), java.util.Arrays.asList(box(recordId))));
    }

    private static Byte[] box(byte[] bytes) {
        Byte[] boxed = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            boxed[i] = bytes[i];
        }
        return boxed;
    }

    @Test
    void aLongerInputThanDeclaredIsRefused() {
        CoffreEnvelope envelope = new CoffreEnvelope(keys).withSegmentSize(16);

        EnvelopeException e = assertThrows(EnvelopeException.class, () -> envelope.encrypt("alias/files", CONTEXT,
                new ByteArrayInputStream(bytes(40, 3)), new ByteArrayOutputStream(), 39));

        assertEquals(Reason.PLAINTEXT_SIZE_EXCEEDED, e.reason());
    }

    @Test
    void segmentSizesOutOfRangeAreRefusedSayingTheRange() {
        CoffreEnvelope envelope = new CoffreEnvelope(keys);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> envelope.withSegmentSize(15));

        assertEquals("segment size 15 is out of range: 16 to 16777216 bytes", e.getMessage());
    }

    @Test
    void everyDataKeyHandedOutIsDestroyedAfterUse() throws Exception {
        List<DataKey> handedOut = new ArrayList<>();
        DataKeys recording = new DataKeys() {
            @Override
            public DataKey generate(String keyId, Map<String, String> context, long plaintextBytes) {
                DataKey key = keys.generate(keyId, context, plaintextBytes);
                handedOut.add(key);
                return key;
            }

            @Override
            public DataKey unwrap(byte[] wrapped, Map<String, String> context) {
                DataKey key = keys.unwrap(wrapped, context);
                handedOut.add(key);
                return key;
            }
        };
        CoffreEnvelope envelope = new CoffreEnvelope(recording);
        byte[] message = envelope.encrypt("alias/files", CONTEXT, bytes(10, 4));
        envelope.decrypt(CONTEXT, message);
        byte[] tampered = message.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThrows(EnvelopeException.class, () -> envelope.decrypt(CONTEXT, tampered));

        assertEquals(3, handedOut.size());
        for (DataKey key : handedOut) {
            assertTrue(key.isDestroyed());
            assertThrows(IllegalStateException.class, key::copyPlaintext);
        }
    }

    @Test
    void aDataKeyNeverPrintsItsPlaintext() {
        byte[] plaintext = new byte[32];
        Arrays.fill(plaintext, (byte) 0x5a);
        DataKey key = DataKey.of("key-x", 3, plaintext, new byte[] {1});

        assertEquals("DataKey[key-x v3, 32 bytes, redacted]", key.toString());
        key.destroy();
        assertEquals("DataKey[key-x v3, 32 bytes, redacted, destroyed]", key.toString());
    }

    @Test
    void coffresRefusalOfTheWrappedKeyKeepsItsCause() {
        CoffreEnvelope envelope = new CoffreEnvelope(keys);
        byte[] message = envelope.encrypt("alias/files", CONTEXT, bytes(10, 5));
        message[50] ^= 1; // first byte of the wrapped key

        EnvelopeException e = assertThrows(EnvelopeException.class, () -> envelope.decrypt(CONTEXT, message));

        assertEquals(Reason.WRAPPED_KEY_REFUSED, e.reason());
        assertInstanceOf(DecryptionFailedException.class, e.getCause());
    }
}
