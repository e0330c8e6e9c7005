package coffre.kms.server.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeyId;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pins envelope format 1 byte for byte (docs/envelope-format.md) and its parser's failures. */
class EnvelopeTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final KeyId KEY = new KeyId("key-abcdefghijklmnopqrstuvwxyz");
    private static final byte[] IV = HEX.parseHex("000102030405060708090a0b");
    private static final byte[] BODY = HEX.parseHex("deadbeef" + "00112233445566778899aabbccddeeff");

    /** Test vector: the exact bytes of a format-1 envelope. */
    private static final String VECTOR = "01" + "1e" + HEX.formatHex("key-abcdefghijklmnopqrstuvwxyz".getBytes())
            + "00000007" + "000102030405060708090a0b" + "deadbeef00112233445566778899aabbccddeeff";

    @Test
    void encodesTheDocumentedLayout() {
        assertEquals(VECTOR, HEX.formatHex(new Envelope(KEY, 7, IV, BODY).encode()));
    }

    @Test
    void decodesTheDocumentedLayout() {
        Envelope envelope = Envelope.decode(HEX.parseHex(VECTOR));
        assertEquals(KEY, envelope.keyId());
        assertEquals(7, envelope.keyVersion());
        assertArrayEquals(IV, envelope.iv());
        assertArrayEquals(BODY, envelope.ciphertextAndTag());
    }

    @Test
    void additionalDataIsHeaderThenCanonicalContext() {
        EncryptionContext context = EncryptionContext.of(Map.of("a", "b"));
        String expected = "01" + "1e" + HEX.formatHex("key-abcdefghijklmnopqrstuvwxyz".getBytes()) + "00000007"
                + "00000001" + "00000001" + "61" + "00000001" + "62";
        assertEquals(expected, HEX.formatHex(Envelope.additionalData(KEY, 7, context)));
    }

    static IntStream truncations() {
        return IntStream.range(0, HEX.parseHex(VECTOR).length - 16);
    }

    @ParameterizedTest(name = "truncated to {0} bytes")
    @MethodSource("truncations")
    void truncatedEnvelopesFailUniformly(int length) {
        byte[] truncated = Arrays.copyOf(HEX.parseHex(VECTOR), length);
        KmsException e = assertThrows(KmsException.class, () -> Envelope.decode(truncated));
        assertEquals(ErrorReason.DECRYPTION_FAILED, e.reason());
    }

    @Test
    void malformedHeadersFailUniformly() {
        byte[] good = HEX.parseHex(VECTOR);
        byte[] wrongFormat = good.clone();
        wrongFormat[0] = 0x02;
        byte[] zeroIdLength = good.clone();
        zeroIdLength[1] = 0;
        byte[] badIdChar = good.clone();
        badIdChar[6] = '!';
        byte[] versionZero = good.clone();
        Arrays.fill(versionZero, 2 + 30, 2 + 34, (byte) 0);
        for (byte[] bad : new byte[][] {wrongFormat, zeroIdLength, badIdChar, versionZero, null}) {
            KmsException e = assertThrows(KmsException.class, () -> Envelope.decode(bad));
            assertEquals(ErrorReason.DECRYPTION_FAILED, e.reason());
            assertEquals(KmsException.decryptionFailed().getMessage(), e.getMessage());
        }
    }
}
