package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalContextTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theServersVectorEncodesAlike() {
        // docs/envelope-format.md: context {a: b}
        assertEquals("00000001" + "00000001" + "61" + "00000001" + "62", HEX.formatHex(CanonicalContext.encode(Map.of("a", "b"))));
        assertEquals("00000000", HEX.formatHex(CanonicalContext.encode(Map.of())));
    }

    @Test
    void pairsAreSortedByTheirKeysBytesWhateverTheMapsOrder() {
        Map<String, String> first = new LinkedHashMap<>();
        first.put("tenant", "acme");
        first.put("file", "a.csv");
        first.put("é", "");
        Map<String, String> second = new LinkedHashMap<>();
        second.put("é", "");
        second.put("file", "a.csv");
        second.put("tenant", "acme");

        assertArrayEquals(CanonicalContext.encode(first), CanonicalContext.encode(second));
        assertEquals(first, CanonicalContext.decode(CanonicalContext.encode(second)));
    }

    @Test
    void onlyTheCanonicalFormDecodes() {
        byte[] unsorted = HEX.parseHex("00000002" + "00000001" + "62" + "00000000" + "00000001" + "61" + "00000000");
        byte[] trailing = HEX.parseHex("00000000" + "00");
        byte[] overrun = HEX.parseHex("00000001" + "00000009" + "61");

        assertThrows(IllegalArgumentException.class, () -> CanonicalContext.decode(unsorted));
        assertThrows(IllegalArgumentException.class, () -> CanonicalContext.decode(trailing));
        assertThrows(IllegalArgumentException.class, () -> CanonicalContext.decode(overrun));
    }

    @Test
    void emptyKeysAndOversizedContextsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CanonicalContext.encode(Map.of("", "x")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CanonicalContext.encode(Map.of("k", "v".repeat(8192))));
        assertEquals("the encryption context encodes to 8205 bytes; at most 8192 are accepted", e.getMessage());
    }
}
