package coffre.kms.server.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import coffre.kms.server.crypto.Envelope;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Arrays;

/**
 * Fuzz test of the envelope parser (docs/envelope-format.md, docs/fuzzing.md): every input is either
 * refused with the one uniform {@code DECRYPTION_FAILED}, or parsed into an envelope that encodes
 * back to exactly the same bytes (no two encodings of one envelope, nothing silently dropped).
 */
class EnvelopeFuzzTest {
    private static final String UNIFORM = KmsException.decryptionFailed().getMessage();

    @FuzzTest
    void decodeRefusesUniformlyOrRoundTrips(byte[] input) {
        Envelope envelope;
        try {
            envelope = Envelope.decode(input);
        } catch (KmsException e) {
            assertEquals(ErrorReason.DECRYPTION_FAILED, e.reason());
            assertEquals(UNIFORM, e.getMessage(), "one message for every refusal: no oracle");
            assertEquals(0, e.metadata().size(), "no detail for a refused envelope");
            return;
        }
        assertArrayEquals(input, envelope.encode(), "decode then encode gives the input back");
        byte[] header = Envelope.header(envelope.keyId(), envelope.keyVersion());
        assertArrayEquals(header, Arrays.copyOf(input, header.length), "the header is the envelope's first bytes");
        assertEquals(envelope, Envelope.decode(envelope.encode()));
    }
}
