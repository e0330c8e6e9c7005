package coffre.kms.server.keys;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a key's material is, the same for every version: an AES-256 key (envelope encryption) or a
 * key pair of the HSM. Names are those of {@code KeySpec} in {@code key_spec.proto}; every key made
 * before asymmetric keys existed is {@link #AES_256}.
 */
public enum KeySpec {
    AES_256(Family.AES, 256),
    RSA_2048(Family.RSA, 2048),
    RSA_3072(Family.RSA, 3072),
    RSA_4096(Family.RSA, 4096),
    /** NIST P-256 (secp256r1). */
    EC_P256(Family.EC, 256),
    /** NIST P-384 (secp384r1). */
    EC_P384(Family.EC, 384);

    /** The algorithm family. */
    public enum Family { AES, RSA, EC }

    /** For error messages: every spec, comma-separated. */
    public static final String NAMES = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    private final Family family;
    private final int bits;

    KeySpec(Family family, int bits) {
        this.family = family;
        this.bits = bits;
    }

    public Family family() {
        return family;
    }

    /** The AES key length, the RSA modulus length, or the EC field size, in bits. */
    public int bits() {
        return bits;
    }

    public boolean asymmetric() {
        return family != Family.AES;
    }

    /** The length of an RSA-OAEP ciphertext (and of an RSA-PSS signature): the modulus length in bytes. */
    public int modulusBytes() {
        if (family != Family.RSA) {
            throw new IllegalStateException(this + " has no modulus");
        }
        return bits / 8;
    }

    /** The HSM's name of an asymmetric spec. @throws IllegalStateException for {@link #AES_256} */
    public coffre.hsm.KeyPairSpec pairSpec() {
        if (!asymmetric()) {
            throw new IllegalStateException(this + " is not a key pair");
        }
        return coffre.hsm.KeyPairSpec.valueOf(name());
    }

    /** Whether a key of this spec can have {@code usage}: AES encrypts, EC signs, RSA does either. */
    public boolean allows(KeyUsage usage) {
        return switch (family) {
            case AES -> usage == KeyUsage.ENCRYPT_DECRYPT;
            case RSA -> true;
            case EC -> usage == KeyUsage.SIGN_VERIFY;
        };
    }

    /** The spec named exactly {@code name}; empty for anything else (null included). */
    public static Optional<KeySpec> named(String name) {
        return Arrays.stream(values()).filter(spec -> spec.name().equals(name)).findFirst();
    }

    /**
     * @param name as received (an unknown wire value is named by its number)
     * @throws KmsException {@link ErrorReason#INVALID_KEY_SPEC} naming the specs there are
     */
    public static KeySpec require(String name) {
        return named(name).orElseThrow(() -> new KmsException(ErrorReason.INVALID_KEY_SPEC,
                "key spec " + name + " is not one of " + NAMES, Map.of("allowed", NAMES)));
    }
}
