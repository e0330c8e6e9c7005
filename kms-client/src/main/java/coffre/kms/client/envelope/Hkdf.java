package coffre.kms.client.envelope;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA-256 (RFC 5869), the key derivation of the envelope format: the JDK offers it
 * only from Java 24 ({@code javax.crypto.KDF}), and the client runs on 21. Checked against the
 * RFC's test vectors.
 */
final class Hkdf {

    private static final String HMAC = "HmacSHA256";
    private static final int HASH_LENGTH = 32;

    private Hkdf() {
    }

    /** HKDF-Extract: the pseudorandom key of {@code ikm} under {@code salt}. */
    static byte[] extract(byte[] salt, byte[] ikm) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(HMAC);
        mac.init(new SecretKeySpec(salt.length == 0 ? new byte[HASH_LENGTH] : salt, HMAC));
        return mac.doFinal(ikm);
    }

    /** HKDF-Expand: {@code length} bytes (at most 255 hashes) from {@code prk} for {@code info}. */
    static byte[] expand(byte[] prk, byte[] info, int length) throws GeneralSecurityException {
        if (length < 1 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF-SHA-256 gives 1 to " + 255 * HASH_LENGTH + " bytes, not " + length);
        }
        Mac mac = Mac.getInstance(HMAC);
        mac.init(new SecretKeySpec(prk, HMAC));
        byte[] out = new byte[length];
        byte[] block = new byte[0];
        int done = 0;
        for (int counter = 1; done < length; counter++) {
            mac.update(block);
            mac.update(info);
            mac.update((byte) counter);
            block = mac.doFinal();
            int n = Math.min(block.length, length - done);
            System.arraycopy(block, 0, out, done, n);
            done += n;
        }
        java.util.Arrays.fill(block, (byte) 0);
        return out;
    }
}
