package coffre.hsm;

import java.util.Objects;

/**
 * A key pair held by the HSM: a reference to its private half (which never leaves the HSM) and
 * its public half as a DER-encoded X.509 {@code SubjectPublicKeyInfo}.
 *
 * @param privateKey     for {@link Hsm#rsaOaepDecrypt} or {@link Hsm#signDigest}
 * @param spec           what was generated
 * @param usage          what the private key may do
 * @param publicKeyDer   SubjectPublicKeyInfo; the record keeps its own copy
 */
public record HsmKeyPair(HsmKeyRef privateKey, KeyPairSpec spec, KeyPairUsage usage, byte[] publicKeyDer) {
    public HsmKeyPair {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(usage, "usage");
        publicKeyDer = publicKeyDer.clone();
    }

    @Override
    public byte[] publicKeyDer() {
        return publicKeyDer.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HsmKeyPair other && privateKey.equals(other.privateKey) && spec == other.spec
                && usage == other.usage && java.util.Arrays.equals(publicKeyDer, other.publicKeyDer);
    }

    @Override
    public int hashCode() {
        return Objects.hash(privateKey, spec, usage, java.util.Arrays.hashCode(publicKeyDer));
    }

    @Override
    public String toString() {
        return "HsmKeyPair[" + privateKey.label() + ", " + spec + ", " + usage + "]";
    }
}
