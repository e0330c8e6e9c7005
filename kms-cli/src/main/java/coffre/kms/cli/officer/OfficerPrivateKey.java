package coffre.kms.cli.officer;

import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.signing.OfficerKeys;
import java.security.PrivateKey;
import java.util.Objects;

/**
 * An officer's private key with its algorithm, decrypted from the key file for one command.
 * {@link #toString()} never shows the key.
 */
public final class OfficerPrivateKey {

    private final PrivateKey key;
    private final SignatureAlgorithm algorithm;

    OfficerPrivateKey(PrivateKey key, SignatureAlgorithm algorithm) {
        this.key = Objects.requireNonNull(key, "key");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    /** Signs {@code statement} (one of {@code Statements}'s). */
    public byte[] sign(byte[] statement) {
        return OfficerKeys.sign(key, algorithm, statement);
    }

    @Override
    public String toString() {
        return "OfficerPrivateKey[" + algorithm + ", redacted]";
    }
}
