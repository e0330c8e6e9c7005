package coffre.kms.cli.officerkeys;

import coffre.kms.v1.SignatureAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** The officer key algorithms of {@code officer keygen --algorithm}. */
public enum KeyAlgorithm {
    /** Ed25519: the default; small keys, deterministic signatures. */
    ED25519("ed25519", SignatureAlgorithm.ED25519),
    /** ECDSA on P-256 with SHA-256, for officers whose policy or token requires a NIST curve. */
    ECDSA_P256("ecdsa-p256", SignatureAlgorithm.ECDSA_P256_SHA256);

    private final String cliName;
    private final SignatureAlgorithm algorithm;

    KeyAlgorithm(String cliName, SignatureAlgorithm algorithm) {
        this.cliName = cliName;
        this.algorithm = algorithm;
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    /** A fresh key pair from the JDK's default SecureRandom. */
    KeyPair generate() {
        try {
            if (this == ED25519) {
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + cliName + " keys", e);
        }
    }

    @Override
    public String toString() {
        return cliName;
    }

    /** Picocli converter: {@code ed25519} or {@code ecdsa-p256}, case-insensitive. */
    public static final class Converter implements picocli.CommandLine.ITypeConverter<KeyAlgorithm> {
        @Override
        public KeyAlgorithm convert(String text) {
            for (KeyAlgorithm algorithm : values()) {
                if (algorithm.cliName.equalsIgnoreCase(text.strip())) {
                    return algorithm;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + text + "' is not an officer key algorithm; "
                    + "expected ed25519 or ecdsa-p256");
        }
    }
}
