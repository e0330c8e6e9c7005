package coffre.kms.server.xks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One day's SigV4 signing key ({@code kSigning}) of one credential, ready to sign: an HMAC-SHA256
 * initialised with it once, which each request clones. Why: looking up and initialising a
 * {@link Mac} costs more than the HMAC of a string to sign itself (the provider lookup, then two
 * SHA-256 blocks for the padded keys); a clone copies the initialised state. The prototype is never
 * used to compute, so clones may be taken from any thread.
 *
 * <p>The key bytes are kept only inside the prototype's state and a {@link SecretKeySpec} (for a
 * JDK whose HMAC cannot be cloned); never printed.
 */
final class SigV4SigningKey {
    private final SecretKeySpec key;
    private final Mac prototype;

    /** @param kSigning the derived signing key (copied; the caller zeroes its array) */
    SigV4SigningKey(byte[] kSigning) {
        this.key = new SecretKeySpec(kSigning, "HmacSHA256");
        this.prototype = newMac(key);
    }

    /** HMAC-SHA256 of the string to sign (ASCII, as SigV4 builds it: UTF-8 of ASCII is the same bytes). */
    byte[] sign(String stringToSign) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            mac = newMac(key);
        }
        return mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8));
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "SigV4SigningKey[(redacted)]";
    }
}
