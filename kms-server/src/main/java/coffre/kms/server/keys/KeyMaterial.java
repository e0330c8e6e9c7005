package coffre.kms.server.keys;

import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.KeyPairUsage;
import coffre.kms.server.domain.HsmFailures;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A key version's material in the HSM, whatever its spec: an AES-256 key ({@link Hsm#generateKey})
 * or a key pair ({@link Hsm#generateKeyPair}), made and found by label. What the rest of the key
 * domain keeps of it is one {@link HsmKeyRef} per version (the AES key, or the private half of the
 * pair) and, for a pair, the public key in the version's metadata.
 *
 * <p>A pair found in the HSM whose public key is not the one the metadata recorded is treated as
 * missing (and logged): the private key behind a label must be the one whose public key callers
 * were given.
 */
final class KeyMaterial {
    private static final Logger LOG = System.getLogger(KeyMaterial.class.getName());

    private final Hsm hsm;

    KeyMaterial(Hsm hsm) {
        this.hsm = hsm;
    }

    /** A version's material just made: its reference, and its public key for a pair (else null). */
    record Made(HsmKeyRef ref, PublicKeyInfo publicKey) {
    }

    /**
     * Generates a version's material under {@code label}. Labels are unique by construction (a
     * random key id, and a random tag for each rotation), so the HSM is not searched for them first:
     * on SoftHSM2 that search opens every key object's file (~35 µs each, so ~350 ms near 10,000
     * keys, against 15-22 ms to generate an AES key).
     *
     * @throws coffre.kms.server.domain.KmsException {@code HSM_UNAVAILABLE} or {@code INTERNAL_ERROR}
     */
    Made generate(String label, KeySpec spec, KeyUsage usage) {
        try {
            if (!spec.asymmetric()) {
                return new Made(hsm.generateKey(label, Hsm.LabelCheck.CALLER_MADE_UNIQUE), null);
            }
            HsmKeyPair pair = hsm.generateKeyPair(label, spec.pairSpec(), pairUsage(usage),
                    Hsm.LabelCheck.CALLER_MADE_UNIQUE);
            return new Made(pair.privateKey(), PublicKeyInfo.of(pair.publicKeyDer(), spec));
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "key generation");
        }
    }

    /**
     * The references of the enabled versions of {@code keys}: one scan of the token for the AES
     * keys ({@link Hsm#findKeys}) and one for the pairs ({@link Hsm#findKeyPairs}), whatever the
     * number of keys.
     */
    Map<String, HsmKeyRef> findAll(Collection<KeyMetadata> keys) {
        List<String> aes = new ArrayList<>();
        Map<String, KeyVersionMetadata> pairs = new HashMap<>();
        for (KeyMetadata meta : keys) {
            for (KeyVersionMetadata version : meta.versions()) {
                if (version.state() != KeyVersionState.ENABLED) {
                    continue;
                }
                if (meta.spec().asymmetric()) {
                    pairs.put(version.hsmLabel(), version);
                } else {
                    aes.add(version.hsmLabel());
                }
            }
        }
        Map<String, HsmKeyRef> found = new HashMap<>(aes.isEmpty() ? Map.of() : hsm.findKeys(aes));
        if (!pairs.isEmpty()) {
            hsm.findKeyPairs(pairs.keySet()).forEach((label, pair) -> {
                if (matches(pair, pairs.get(label))) {
                    found.put(label, pair.privateKey());
                }
            });
        }
        return found;
    }

    /** The reference of one version's material, if the HSM shows it (and, for a pair, the same public key). */
    Optional<HsmKeyRef> find(KeyMetadata key, KeyVersionMetadata version) {
        if (!key.spec().asymmetric()) {
            return hsm.findKey(version.hsmLabel());
        }
        return hsm.findKeyPair(version.hsmLabel()).filter(pair -> matches(pair, version)).map(HsmKeyPair::privateKey);
    }

    /** Destroys what is under {@code label} (an AES key or both halves of a pair). */
    void destroy(String label) {
        hsm.destroyKey(label);
    }

    private static boolean matches(HsmKeyPair pair, KeyVersionMetadata version) {
        if (version.publicKey() != null && Arrays.equals(pair.publicKeyDer(), version.publicKey().der())) {
            return true;
        }
        LOG.log(Level.ERROR, "the key pair under {0} does not hold the public key its metadata recorded; "
                + "that version cannot be used", version.hsmLabel());
        return false;
    }

    static KeyPairUsage pairUsage(KeyUsage usage) {
        return switch (usage) {
            case ENCRYPT_DECRYPT -> KeyPairUsage.DECRYPT;
            case SIGN_VERIFY -> KeyPairUsage.SIGN;
        };
    }
}
