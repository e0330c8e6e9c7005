package coffre.hsm;

/**
 * The asymmetric key pairs an HSM generates for Coffre ({@link Hsm#generateKeyPair}). The private
 * half is always a token object, sensitive, never extractable and local (generated inside).
 */
public enum KeyPairSpec {
    RSA_2048(Family.RSA, 2048),
    RSA_3072(Family.RSA, 3072),
    RSA_4096(Family.RSA, 4096),
    /** NIST P-256 (secp256r1). */
    EC_P256(Family.EC, 256),
    /** NIST P-384 (secp384r1). */
    EC_P384(Family.EC, 384);

    /** The algorithm family. */
    public enum Family { RSA, EC }

    private final Family family;
    private final int bits;

    KeyPairSpec(Family family, int bits) {
        this.family = family;
        this.bits = bits;
    }

    public Family family() {
        return family;
    }

    /** The RSA modulus length, or the EC field size, in bits. */
    public int bits() {
        return bits;
    }
}
