package coffre.kms.server.keys;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The public half of an asymmetric key version: its DER {@code SubjectPublicKeyInfo} as the HSM
 * gave it when the pair was made (kept in the key's metadata), and that key parsed once by the
 * JDK, so {@code Verify} checks signatures on the server without the HSM. Immutable, equal by its
 * bytes; it is public, so {@link #toString} may show its fingerprint.
 */
public final class PublicKeyInfo {
    private final byte[] der;
    private final PublicKey key;

    private PublicKeyInfo(byte[] der, PublicKey key) {
        this.der = der;
        this.key = key;
    }

    /**
     * @throws IllegalArgumentException if {@code der} is not a public key of {@code spec} (an RSA
     *         modulus or an EC field of another size, another algorithm, not DER)
     */
    public static PublicKeyInfo of(byte[] der, KeySpec spec) {
        if (!spec.asymmetric()) {
            throw new IllegalArgumentException(spec + " keys have no public key");
        }
        byte[] copy = der.clone();
        PublicKey key;
        try {
            key = KeyFactory.getInstance(spec.family().name()).generatePublic(new X509EncodedKeySpec(copy));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a " + spec.family() + " SubjectPublicKeyInfo", e);
        }
        int bits = switch (key) {
            case RSAPublicKey rsa -> rsa.getModulus().bitLength();
            case ECPublicKey ec -> ec.getParams().getCurve().getField().getFieldSize();
            default -> -1;
        };
        if (bits != spec.bits()) {
            throw new IllegalArgumentException("a " + bits + "-bit public key is not " + spec);
        }
        return new PublicKeyInfo(copy, key);
    }

    /** The DER SubjectPublicKeyInfo (a copy). */
    public byte[] der() {
        return der.clone();
    }

    /** The same, PEM: {@code -----BEGIN PUBLIC KEY-----}, base64 in lines of 64 characters. */
    public String pem() {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** The key as the JDK's providers take it. */
    public PublicKey jca() {
        return key;
    }

    /** SHA-256 of the DER, lowercase hex: what operators compare out of band. */
    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKeyInfo other && Arrays.equals(der, other.der);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "PublicKeyInfo[sha256=" + fingerprint() + "]";
    }
}
