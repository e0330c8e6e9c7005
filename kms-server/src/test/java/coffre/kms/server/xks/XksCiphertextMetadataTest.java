package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Coffre's ciphertextMetadata layout, byte for byte, and every malformed form refused alike. */
class XksCiphertextMetadataTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void encodesTheDocumentedLayout() {
        assertEquals("0100000007", HEX.formatHex(new XksCiphertextMetadata(7).encode()));
        assertEquals("017fffffff", HEX.formatHex(new XksCiphertextMetadata(Integer.MAX_VALUE).encode()));
    }

    @Test
    void parsesWhatItEncodes() {
        assertEquals(new XksCiphertextMetadata(1), XksCiphertextMetadata.parse(HEX.parseHex("0100000001")));
        assertEquals(new XksCiphertextMetadata(70_000), XksCiphertextMetadata.parse(
                new XksCiphertextMetadata(70_000).encode()));
    }

    @Test
    void fitsTheSpecsTwentyBytes() {
        assertTrue(new XksCiphertextMetadata(9).encode().length <= XksCiphertextMetadata.MAX_LENGTH);
    }

    @Test
    void versionsStartAtOne() {
        assertThrows(IllegalArgumentException.class, () -> new XksCiphertextMetadata(0));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("absent (Coffre always writes one)", ""),
                Arguments.of("the spec's example, key_version=1", "6b65795f76657273696f6e3d31"),
                Arguments.of("four bytes", "01000000"),
                Arguments.of("six bytes", "010000000700"),
                Arguments.of("twenty-one bytes", "01" + "00".repeat(20)),
                Arguments.of("format 0x02", "0200000007"),
                Arguments.of("format 0x00", "0000000007"),
                Arguments.of("version 0", "0100000000"),
                Arguments.of("negative version", "0180000000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesMalformedMetadata(String name, String hex) {
        XksException e = assertThrows(XksException.class, () -> XksCiphertextMetadata.parse(HEX.parseHex(hex)));
        assertEquals(XksError.INVALID_CIPHERTEXT, e.error());
        assertEquals(XksError.INVALID_CIPHERTEXT.defaultMessage(), e.getMessage());
    }

    @Test
    void refusesNull() {
        assertEquals(XksError.INVALID_CIPHERTEXT,
                assertThrows(XksException.class, () -> XksCiphertextMetadata.parse(null)).error());
    }
}
