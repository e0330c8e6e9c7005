package coffre.hsm;

/**
 * The signature schemes {@link Hsm#signDigest} computes over a digest the caller has already taken.
 *
 * <p>Each key pair spec signs with exactly one scheme ({@link #forSpec}): RSA with PSS/SHA-256, P-256
 * with ECDSA/SHA-256, P-384 with ECDSA/SHA-384. Another pairing (ECDSA_SHA384 on a P-256 key, whose
 * digest would be truncated to the curve's 256 bits) is refused with
 * {@link HsmErrorKind#INVALID_REQUEST}, as AWS KMS and Azure Key Vault bind one digest to each curve:
 * one key never yields signatures of two strengths, and a verifier needs no scheme negotiation.
 */
public enum SignatureScheme {
    /** RSASSA-PSS, SHA-256, MGF1 with SHA-256, 32-byte salt ({@code CKM_RSA_PKCS_PSS}). */
    RSA_PSS_SHA256("SHA-256", 32),
    /** ECDSA over a SHA-256 digest ({@code CKM_ECDSA}); the signature is DER-encoded. */
    ECDSA_SHA256("SHA-256", 32),
    /** ECDSA over a SHA-384 digest ({@code CKM_ECDSA}); the signature is DER-encoded. */
    ECDSA_SHA384("SHA-384", 48);

    private final String digestAlgorithm;
    private final int digestLength;

    SignatureScheme(String digestAlgorithm, int digestLength) {
        this.digestAlgorithm = digestAlgorithm;
        this.digestLength = digestLength;
    }

    /** The JCA name of the digest the caller hashes the message with. */
    public String digestAlgorithm() {
        return digestAlgorithm;
    }

    /** The length in bytes of the digest {@link Hsm#signDigest} expects. */
    public int digestLength() {
        return digestLength;
    }

    /** Whether a key pair of {@code spec} signs with this scheme ({@link #forSpec}). */
    public boolean fits(KeyPairSpec spec) {
        return forSpec(spec) == this;
    }

    /** The one scheme a key pair of {@code spec} signs with. */
    public static SignatureScheme forSpec(KeyPairSpec spec) {
        return switch (spec) {
            case RSA_2048, RSA_3072, RSA_4096 -> RSA_PSS_SHA256;
            case EC_P256 -> ECDSA_SHA256;
            case EC_P384 -> ECDSA_SHA384;
        };
    }
}
