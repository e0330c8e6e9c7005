package coffre.kms.server.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncryptionContextTest {

    @Test
    void canonicalEncodingIsSortedByUnsignedUtf8Bytes() {
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("é", "x");   // 0xc3a9 sorts after ASCII when compared unsigned
        pairs.put("b", "");
        pairs.put("a", "1");
        String expected = "00000003"
                + "00000001" + "61" + "00000001" + "31"
                + "00000001" + "62" + "00000000"
                + "00000002" + "c3a9" + "00000001" + "78";
        assertEquals(expected, HexFormat.of().formatHex(EncryptionContext.of(pairs).canonicalBytes()));
    }

    @Test
    void orderOfTheCallersMapDoesNotMatter() {
        Map<String, String> one = new LinkedHashMap<>();
        one.put("tenant", "acme");
        one.put("purpose", "db");
        Map<String, String> two = new LinkedHashMap<>();
        two.put("purpose", "db");
        two.put("tenant", "acme");
        assertEquals(EncryptionContext.of(one), EncryptionContext.of(two));
        assertNotEquals(EncryptionContext.of(one), EncryptionContext.of(Map.of("tenant", "acme")));
    }

    @Test
    void emptyContextIsFourZeroBytes() {
        assertEquals("00000000", HexFormat.of().formatHex(EncryptionContext.of(Map.of()).canonicalBytes()));
    }

    @Test
    void encodedSizeLimitIsExactly8192Bytes() {
        // 4 (count) + 4 + 1 (key) + 4 + n (value) = 8192 -> n = 8179
        assertEquals(8192, EncryptionContext.of(Map.of("k", "v".repeat(8179))).canonicalBytes().length);
        KmsException e = assertThrows(KmsException.class, () -> EncryptionContext.of(Map.of("k", "v".repeat(8180))));
        assertEquals(ErrorReason.INVALID_ENCRYPTION_CONTEXT, e.reason());
        assertEquals("8192", e.metadata().get("limit"));
    }

    @Test
    void emptyKeyIsRejected() {
        KmsException e = assertThrows(KmsException.class, () -> EncryptionContext.of(Map.of("", "v")));
        assertEquals(ErrorReason.INVALID_ENCRYPTION_CONTEXT, e.reason());
    }

    @Test
    void invalidUnicodeIsRefusedRatherThanReplaced() {
        KmsException e = assertThrows(KmsException.class, () -> EncryptionContext.of(Map.of("\uD800", "x")));
        assertEquals(ErrorReason.INVALID_ENCRYPTION_CONTEXT, e.reason());
        assertNotEquals(EncryptionContext.of(Map.of("?", "x")), EncryptionContext.of(Map.of("\u00e9", "x")));
    }

    @Test
    void everyUnpairedSurrogateIsRefusedWhereverItIs() {
        for (String bad : new String[] {"\uDC00", "a\uD83D", "\uD83Db", "\uDE00\uD83D", "ok\uD800\uD800"}) {
            KmsException inKey = assertThrows(KmsException.class, () -> EncryptionContext.of(Map.of(bad, "x")));
            KmsException inValue = assertThrows(KmsException.class, () -> EncryptionContext.of(Map.of("k", bad)));
            assertEquals(ErrorReason.INVALID_ENCRYPTION_CONTEXT, inKey.reason());
            assertEquals(ErrorReason.INVALID_ENCRYPTION_CONTEXT, inValue.reason());
        }
    }

    @Test
    void surrogatePairsEncodeAsFourByteUtf8() {
        // U+1F600 in a value: pair count 1, key "k", value F0 9F 98 80.
        assertEquals("00000001" + "00000001" + "6b" + "00000004" + "f09f9880",
                HexFormat.of().formatHex(EncryptionContext.of(Map.of("k", "\uD83D\uDE00")).canonicalBytes()));
    }

    @Test
    void toStringShowsNoValue() {
        String text = EncryptionContext.of(Map.of("tenant", "secret-customer")).toString();
        assertFalse(text.contains("secret-customer"));
        assertFalse(text.contains("tenant"));
    }
}
