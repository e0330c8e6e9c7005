package coffre.kms.server.xks;

import java.util.Arrays;
import java.util.Base64;

/**
 * The spec's Base64: standard RFC 4648 §4 ({@code +/}, {@code =} padding), never URL-safe
 * (changelog 1.0.2). Decoding is stricter than the JDK's: the length must be a multiple of four,
 * padding only at the end, and the bits a short final group leaves over must be zero, so each byte
 * string has exactly one accepted spelling.
 *
 * <p>It decodes straight from Jackson's character buffer, so a plaintext never becomes a
 * {@code String} (which could not be zeroed).
 */
final class XksBase64 {
    private XksBase64() {
    }

    /**
     * @param field the JSON member, for the error message
     * @throws XksException {@link XksError#VALIDATION} if the text is not canonical padded Base64
     */
    static byte[] decode(char[] text, int offset, int length, String field) {
        if (length % 4 != 0) {
            throw invalid(field);
        }
        int padding = 0;
        while (padding < 2 && padding < length && text[offset + length - 1 - padding] == '=') {
            padding++;
        }
        int dataChars = length - padding;
        // One pass, six bits a character, a byte out each time eight are in: no copy of the text.
        byte[] out = new byte[dataChars * 3 / 4];
        int bits = 0;
        int pending = 0;
        int o = 0;
        for (int i = 0; i < dataChars; i++) {
            int value = valueOf(text[offset + i]);
            if (value < 0) {
                Arrays.fill(out, (byte) 0);
                throw invalid(field);
            }
            bits = (bits << 6 | value) & 0xffff;
            pending += 6;
            if (pending >= 8) {
                pending -= 8;
                out[o++] = (byte) (bits >> pending);
            }
        }
        // The bits a short final group leaves over (2 or 4) must be zero: one spelling per value.
        if ((bits & ((1 << pending) - 1)) != 0) {
            Arrays.fill(out, (byte) 0);
            throw invalid(field);
        }
        return out;
    }

    /** Decodes a whole string (for tests and non-secret values). */
    static byte[] decode(String text, String field) {
        return decode(text.toCharArray(), 0, text.length(), field);
    }

    static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static int valueOf(char c) {
        return c < VALUES.length ? VALUES[c] : -1;
    }

    /** Each ASCII character's six bits, -1 for those outside the standard alphabet ('=' included). */
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = (byte) i;
        }
    }

    private static XksException invalid(String field) {
        return new XksException(XksError.VALIDATION, field + " is not standard padded Base64");
    }
}
