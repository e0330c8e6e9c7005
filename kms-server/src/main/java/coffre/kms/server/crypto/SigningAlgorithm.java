package coffre.kms.server.crypto;

import coffre.hsm.SignatureScheme;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeySpec;
import java.util.Map;

/**
 * How {@code Sign} signs and {@code Verify} checks ({@code SigningAlgorithm} in crypto.proto). Each
 * asymmetric key signs with exactly one ({@link #forSpec}), as the HSM's {@link SignatureScheme}
 * binds one digest to each spec: one key never yields signatures of two strengths.
 */
public enum SigningAlgorithm {
    /** RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt. */
    RSASSA_PSS_SHA_256(SignatureScheme.RSA_PSS_SHA256),
    /** ECDSA with SHA-256, DER signatures. */
    ECDSA_SHA_256(SignatureScheme.ECDSA_SHA256),
    /** ECDSA with SHA-384, DER signatures. */
    ECDSA_SHA_384(SignatureScheme.ECDSA_SHA384);

    private final SignatureScheme scheme;

    SigningAlgorithm(SignatureScheme scheme) {
        this.scheme = scheme;
    }

    /** What the HSM computes for it. */
    public SignatureScheme scheme() {
        return scheme;
    }

    /** The JCA name of the hash a message is digested with. */
    public String digestAlgorithm() {
        return scheme.digestAlgorithm();
    }

    /** The digest's length in bytes (32 or 48). */
    public int digestLength() {
        return scheme.digestLength();
    }

    /** The one algorithm a key of {@code spec} signs with. @throws IllegalStateException for AES_256 */
    public static SigningAlgorithm forSpec(KeySpec spec) {
        SignatureScheme theScheme = SignatureScheme.forSpec(spec.pairSpec());
        for (SigningAlgorithm algorithm : values()) {
            if (algorithm.scheme == theScheme) {
                return algorithm;
            }
        }
        throw new IllegalStateException("no signing algorithm for " + spec);
    }

    /**
     * The algorithm to use with a key of {@code spec}: its own when {@code asked} is null, else
     * {@code asked} if it is that one.
     *
     * @throws KmsException {@link ErrorReason#UNSUPPORTED_ALGORITHM} with {@code metadata.allowed}
     */
    public static SigningAlgorithm require(SigningAlgorithm asked, KeySpec spec) {
        SigningAlgorithm own = forSpec(spec);
        if (asked != null && asked != own) {
            throw new KmsException(ErrorReason.UNSUPPORTED_ALGORITHM, spec + " keys sign with " + own + ", not "
                    + asked, Map.of("allowed", own.name()));
        }
        return own;
    }

    /**
     * A name received from the wire (an unknown number is named by its digits).
     *
     * @throws KmsException {@link ErrorReason#UNSUPPORTED_ALGORITHM} for a name that is none of these
     */
    public static SigningAlgorithm named(String name) {
        for (SigningAlgorithm algorithm : values()) {
            if (algorithm.name().equals(name)) {
                return algorithm;
            }
        }
        throw new KmsException(ErrorReason.UNSUPPORTED_ALGORITHM, "signing algorithm " + name
                + " is not one of RSASSA_PSS_SHA_256, ECDSA_SHA_256, ECDSA_SHA_384",
                Map.of("allowed", "RSASSA_PSS_SHA_256,ECDSA_SHA_256,ECDSA_SHA_384"));
    }
}
