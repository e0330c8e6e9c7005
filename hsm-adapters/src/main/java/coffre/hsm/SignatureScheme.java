package coffre.hsm;

/**
 * The signature schemes {@link Hsm#signDigest} computes over a digest the caller has already taken.
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
}
