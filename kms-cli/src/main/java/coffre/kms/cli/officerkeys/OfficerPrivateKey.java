package coffre.kms.cli.officerkeys;

import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.signing.OfficerKeys;
import java.security.PrivateKey;
import java.security.Provider;
import java.util.Objects;

/**
 * An officer's private key with its algorithm: decrypted from the key file for one command, or a
 * handle to a key that never leaves a PKCS#11 token (signed through that token's provider).
 * {@link #toString()} never shows the key.
 */
public final class OfficerPrivateKey {

    private final PrivateKey key;
    private final SignatureAlgorithm algorithm;
    /** The token's provider, or null for a software key (the JDK's providers). */
    private final Provider provider;

    OfficerPrivateKey(PrivateKey key, SignatureAlgorithm algorithm) {
        this(key, algorithm, null);
    }

    private OfficerPrivateKey(PrivateKey key, SignatureAlgorithm algorithm, Provider provider) {
        this.key = Objects.requireNonNull(key, "key");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.provider = provider;
    }

    /** An ECDSA P-256 key on a PKCS#11 token, used through {@code provider}. */
    static OfficerPrivateKey onToken(PrivateKey key, Provider provider) {
        return new OfficerPrivateKey(key, SignatureAlgorithm.ECDSA_P256_SHA256, Objects.requireNonNull(provider, "provider"));
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    /** Signs {@code statement} (one of {@code Statements}'s). */
    public byte[] sign(byte[] statement) {
        if (provider != null) {
            return EcdsaSignatures.signP256(key, provider, statement);
        }
        return OfficerKeys.sign(key, algorithm, statement);
    }

    @Override
    public String toString() {
        return "OfficerPrivateKey[" + algorithm + (provider != null ? ", on token " + provider.getName() : "") + ", redacted]";
    }
}
