package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The spec's Base64 decoder: every value back from its standard padded spelling, and exactly the
 * canonical spellings accepted — those the JDK's decoder reads and writes back the same (its
 * decoder alone also takes missing padding and non-zero left-over bits).
 */
class XksBase64Test {

    private static byte[] decode(String text) {
        return XksBase64.decode(text.toCharArray(), 0, text.length(), "field");
    }

    /** Null when the spec's Base64 refuses it: the JDK's reading, if it writes it back the same. */
    private static byte[] canonical(String text) {
        try {
            byte[] value = Base64.getDecoder().decode(text);
            return Base64.getEncoder().encodeToString(value).equals(text) ? value : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Test
    void everyLengthComesBack() {
        SplittableRandom random = new SplittableRandom(3);
        for (int length = 0; length <= 70; length++) {
            byte[] value = new byte[length];
            random.nextBytes(value);
            assertArrayEquals(value, decode(Base64.getEncoder().encodeToString(value)), "length " + length);
        }
    }

    @Test
    void decodesFromTheMiddleOfABuffer() {
        char[] text = "xxAQID==yy".toCharArray();
        assertArrayEquals(new byte[] {1, 2, 3}, XksBase64.decode(text, 2, 4, "f"));
        assertArrayEquals(new byte[] {1, 2}, XksBase64.decode("..AQI=..".toCharArray(), 2, 4, "f"));
    }

    @Test
    void acceptsExactlyTheCanonicalSpellings() {
        SplittableRandom random = new SplittableRandom(11);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .\n";
        List<String> texts = new ArrayList<>(List.of("", "=", "==", "====", "A===", "AA==", "AB==", "AAA=", "AAB=",
                "QQ", "QQ=", "QUJD", "QUJ", "Q=J=", "-_-_", "QUJD\n"));
        for (int i = 0; i < 20_000; i++) {
            byte[] value = new byte[random.nextInt(8)];
            random.nextBytes(value);
            StringBuilder s = new StringBuilder(Base64.getEncoder().encodeToString(value));
            if (random.nextBoolean() && !s.isEmpty()) {
                s.setCharAt(random.nextInt(s.length()), alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (random.nextInt(4) == 0) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(s.toString());
        }
        int accepted = 0;
        for (String text : texts) {
            byte[] expected = canonical(text);
            if (expected == null) {
                XksException e = assertThrows(XksException.class, () -> decode(text), text);
                assertEquals(XksError.VALIDATION, e.error());
                assertEquals("field is not standard padded Base64", e.getMessage());
            } else {
                assertTrue(Arrays.equals(expected, decode(text)), text);
                accepted++;
            }
        }
        assertTrue(accepted > 5_000 && accepted < texts.size() - 5_000, accepted + " of " + texts.size());
    }
}
