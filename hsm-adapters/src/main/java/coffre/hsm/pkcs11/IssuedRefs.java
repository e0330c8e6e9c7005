package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;

import java.util.Objects;

/**
 * The checks {@link Pkcs11Hsm} makes on a reference handed back to it: that this instance issued
 * it (another instance's is an {@link IllegalArgumentException}, the port's contract), and that
 * its kind fits the call. An AES key, an HMAC key and a key pair are three kinds, each issued by
 * its own collaborator ({@link KeyObjects}, {@link MacKeys}, {@link KeyPairs}); using one kind for
 * another's operation is {@link HsmErrorKind#INVALID_REQUEST}, with a message naming both.
 */
final class IssuedRefs {
    private final KeyObjects keys;
    private final MacKeys macKeys;
    private final KeyPairs pairs;

    IssuedRefs(KeyObjects keys, MacKeys macKeys, KeyPairs pairs) {
        this.keys = keys;
        this.macKeys = macKeys;
        this.pairs = pairs;
    }

    /** {@code key} as an AES key of this instance, not destroyed. */
    Pkcs11KeyRef aes(HsmKeyRef key) {
        refuseOtherKinds(key, "encrypt and decrypt need an AES key", MacKeys.MacKeyRef.class, KeyPairs.PairRef.class);
        Pkcs11KeyRef ref = IssuedKeyRef.require(key, Pkcs11KeyRef.class, keys);
        if (ref.destroyed()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "key '" + ref.label() + "' was destroyed");
        }
        return ref;
    }

    /** {@code key} as an HMAC key of this instance. */
    MacKeys.MacKeyRef mac(HsmKeyRef key) {
        refuseOtherKinds(key, "HMAC needs a key made by generateMacKey", Pkcs11KeyRef.class, KeyPairs.PairRef.class);
        return IssuedKeyRef.require(key, MacKeys.MacKeyRef.class, macKeys);
    }

    /** {@code key} as a key pair of this instance, not destroyed, allowed {@code usage}. */
    KeyPairs.PairRef pair(HsmKeyRef key, KeyPairUsage usage) {
        refuseOtherKinds(key, "this operation needs the private key of a key pair", Pkcs11KeyRef.class, MacKeys.MacKeyRef.class);
        KeyPairs.PairRef ref = IssuedKeyRef.require(key, KeyPairs.PairRef.class, pairs);
        if (ref.destroyed()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "key pair '" + ref.label() + "' was destroyed");
        }
        if (ref.usage() != usage) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key pair '" + ref.label() + "' is for " + ref.usage()
                    + ", not " + usage);
        }
        return ref;
    }

    /** The scheme and digest length {@link coffre.hsm.Hsm#signDigest} accepts for a key of {@code spec}. */
    static void checkSignature(String label, KeyPairSpec spec, SignatureScheme scheme, byte[] digest) {
        if (!scheme.fits(spec)) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key pair '" + label + "' is " + spec + "; it signs with "
                    + SignatureScheme.forSpec(spec) + ", not " + scheme);
        }
        if (digest.length != scheme.digestLength()) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, scheme + " signs a " + scheme.digestLength() + "-byte "
                    + scheme.digestAlgorithm() + " digest, got " + digest.length + " bytes");
        }
    }

    /** Refuses {@code key} if this instance issued it as one of {@code others}: {@code need} says what the call wants. */
    @SafeVarargs
    private void refuseOtherKinds(HsmKeyRef key, String need, Class<? extends IssuedKeyRef>... others) {
        Objects.requireNonNull(key, "key");
        for (Class<? extends IssuedKeyRef> kind : others) {
            if (IssuedKeyRef.isIssued(key, kind, issuerOf(kind))) {
                throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key '" + key.label() + "' is " + name(kind) + "; " + need);
            }
        }
    }

    private Object issuerOf(Class<? extends IssuedKeyRef> kind) {
        return kind == Pkcs11KeyRef.class ? keys : kind == MacKeys.MacKeyRef.class ? macKeys : pairs;
    }

    private static String name(Class<? extends IssuedKeyRef> kind) {
        return kind == Pkcs11KeyRef.class ? "an AES key" : kind == MacKeys.MacKeyRef.class ? "an HMAC key" : "a key pair";
    }
}
