package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.client.envelope.EnvelopeException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way of changing a message is refused with the reason that names it: a five-segment
 * message (segments of 16 bytes) is cut, extended, reordered, or has one header field changed.
 */
class EnvelopeTamperingTest {
    private static final Map<String, String> CONTEXT = CoffreEnvelopeTest.CONTEXT;
    private static final LocalDataKeys KEYS = new LocalDataKeys();
    private static final CoffreEnvelope ENVELOPE = new CoffreEnvelope(KEYS).withSegmentSize(16);
    private static final byte[] MESSAGE = ENVELOPE.encrypt("alias/files", CONTEXT, CoffreEnvelopeTest.bytes(70, 7));
    private static final byte[] OTHER = ENVELOPE.encrypt("alias/files", CONTEXT, CoffreEnvelopeTest.bytes(70, 8));
    private static final int WRAPPED = 60;
    private static final int CONTEXT_BYTES = CanonicalContext.encode(CONTEXT).length;
    private static final int HEADER = 54 + WRAPPED + CONTEXT_BYTES + 32;
    private static final int SEALED = 32;

    /** The message as header + segments (four of 32 bytes, the last of 6 + 16). */
    private record Parts(byte[] header, List<byte[]> segments) {
        static Parts of(byte[] message) {
            byte[] header = java.util.Arrays.copyOfRange(message, 0, HEADER);
            List<byte[]> segments = new ArrayList<>();
            for (int at = HEADER; at < message.length; at += SEALED) {
                segments.add(java.util.Arrays.copyOfRange(message, at, Math.min(message.length, at + SEALED)));
            }
            return new Parts(header, segments);
        }

        byte[] join() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(header);
            segments.forEach(out::writeBytes);
            return out.toByteArray();
        }
    }

    private static UnaryOperator<byte[]> segments(java.util.function.Consumer<List<byte[]>> change) {
        return message -> {
            Parts parts = Parts.of(message);
            change.accept(parts.segments());
            return parts.join();
        };
    }

    private static UnaryOperator<byte[]> flip(int offset) {
        return message -> {
            byte[] copy = message.clone();
            copy[offset] ^= 0x01;
            return copy;
        };
    }

    private static UnaryOperator<byte[]> cut(int length) {
        return message -> java.util.Arrays.copyOf(message, length);
    }

    static Stream<Arguments> tamperings() {
        int contextValue = 54 + WRAPPED + CONTEXT_BYTES - 1; // last byte of the value "acme"
        return Stream.of(
                Arguments.of("cut after the fourth segment", segments(s -> s.remove(4)), Reason.TRUNCATED),
                Arguments.of("cut after the first segment", cut(HEADER + SEALED), Reason.TRUNCATED),
                Arguments.of("cut after the header", cut(HEADER), Reason.TRUNCATED),
                Arguments.of("cut inside the last segment", cut(MESSAGE.length - 3), Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("cut inside the header", cut(HEADER - 1), Reason.MALFORMED_HEADER),
                Arguments.of("empty", cut(0), Reason.MALFORMED_HEADER),
                Arguments.of("segments 1 and 2 swapped", segments(s -> s.add(1, s.remove(2))),
                        Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("segment 1 repeated", segments(s -> s.add(1, s.get(1))), Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("segment 2 dropped", segments(s -> s.remove(2)), Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("segment 0 of another message", segments(s -> s.set(0, Parts.of(OTHER).segments().get(0))),
                        Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("a ciphertext bit flipped", flip(HEADER + 2 * SEALED + 3), Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("a tag bit flipped", flip(MESSAGE.length - 1), Reason.SEGMENT_AUTHENTICATION_FAILED),
                // The reader finds segments by their size: after a short last segment, appended bytes
                // join it, and it fails as a changed segment (with a full last segment: TRAILING_DATA).
                Arguments.of("the short last segment repeated", segments(s -> s.add(s.get(4))),
                        Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("bytes appended to a short last segment", appended(40), Reason.SEGMENT_AUTHENTICATION_FAILED),
                Arguments.of("magic", flip(0), Reason.NOT_AN_ENVELOPE),
                Arguments.of("version", flip(4), Reason.UNSUPPORTED_VERSION),
                Arguments.of("segment size 16 -> 272", flip(7), Reason.HEADER_AUTHENTICATION_FAILED),
                Arguments.of("segment size out of range", flip(5), Reason.MALFORMED_HEADER),
                Arguments.of("message id", flip(9 + 5), Reason.HEADER_AUTHENTICATION_FAILED),
                Arguments.of("nonce prefix", flip(41 + 2), Reason.HEADER_AUTHENTICATION_FAILED),
                Arguments.of("wrapped key length", flip(49), Reason.MALFORMED_HEADER),
                Arguments.of("wrapped key", flip(50 + 20), Reason.WRAPPED_KEY_REFUSED),
                Arguments.of("context length", flip(50 + WRAPPED + 3), Reason.MALFORMED_HEADER),
                Arguments.of("context value (acme -> acmd)", flip(contextValue), Reason.CONTEXT_MISMATCH),
                Arguments.of("context pair count", flip(54 + WRAPPED + 3), Reason.MALFORMED_HEADER),
                Arguments.of("key commitment", flip(HEADER - 1), Reason.HEADER_AUTHENTICATION_FAILED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tamperings")
    void isRefusedWithItsReason(String name, UnaryOperator<byte[]> change, Reason reason) {
        byte[] tampered = change.apply(MESSAGE);

        EnvelopeException e = assertThrows(EnvelopeException.class, () -> ENVELOPE.decrypt(CONTEXT, tampered));

        assertEquals(reason, e.reason(), e.getMessage());
    }

    private static UnaryOperator<byte[]> appended(int bytes) {
        return message -> java.util.Arrays.copyOf(message, message.length + bytes);
    }

    static Stream<Arguments> extensionsOfAFullLastSegment() {
        return Stream.of(
                Arguments.of("one byte appended", appended(1)),
                Arguments.of("a whole segment of zeros appended", appended(SEALED)),
                Arguments.of("the last segment repeated", segments(s -> s.add(s.get(3)))),
                Arguments.of("segment 0 appended", segments(s -> s.add(s.get(0)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("extensionsOfAFullLastSegment")
    void dataAfterAFullLastSegmentIsTrailingData(String name, UnaryOperator<byte[]> change) {
        byte[] fourFullSegments = ENVELOPE.encrypt("alias/files", CONTEXT, CoffreEnvelopeTest.bytes(64, 9));
        byte[] tampered = change.apply(fourFullSegments);

        EnvelopeException e = assertThrows(EnvelopeException.class, () -> ENVELOPE.decrypt(CONTEXT, tampered));

        assertEquals(Reason.TRAILING_DATA, e.reason(), e.getMessage());
    }

    @ParameterizedTest(name = "context rewritten to {0}, and expected so")
    @MethodSource("rewrittenContexts")
    void aRewrittenContextIsRefusedByCoffre(String value) {
        byte[] tampered = MESSAGE.clone();
        byte[] replacement = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(replacement, 0, tampered, 54 + WRAPPED + CONTEXT_BYTES - 4, 4);
        Map<String, String> rewritten = Map.of("tenant", value, "file", "a.csv");

        EnvelopeException e = assertThrows(EnvelopeException.class, () -> ENVELOPE.decrypt(rewritten, tampered));

        assertEquals(Reason.WRAPPED_KEY_REFUSED, e.reason(), e.getMessage());
    }

    static Stream<String> rewrittenContexts() {
        return Stream.of("acmf", "evil");
    }
}
