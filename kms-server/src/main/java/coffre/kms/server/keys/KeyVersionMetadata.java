package coffre.kms.server.keys;

import java.time.Instant;
import java.util.Objects;

/**
 * One version of a key: a distinct AES-256 secret, or a distinct key pair, in the HSM, found by
 * {@code hsmLabel}.
 *
 * @param destroyedAt set once the HSM object has been destroyed
 * @param publicKey   the version's public key for an asymmetric key (kept after destruction: it
 *                    is public, and says which key signed what); null for AES-256
 */
public record KeyVersionMetadata(int version, String hsmLabel, KeyVersionState state,
                                 Instant createdAt, Instant destroyedAt, PublicKeyInfo publicKey) {
    public KeyVersionMetadata {
        if (version < 1) {
            throw new IllegalArgumentException("key versions start at 1");
        }
        Objects.requireNonNull(hsmLabel, "hsmLabel");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A version of an AES-256 key. */
    public KeyVersionMetadata(int version, String hsmLabel, KeyVersionState state, Instant createdAt,
                              Instant destroyedAt) {
        this(version, hsmLabel, state, createdAt, destroyedAt, null);
    }

    /** The HSM label of a key version: stable, derived from non-secret ids only. */
    public static String hsmLabelFor(KeyId keyId, int version) {
        return "coffre:" + keyId.value() + ":v" + version;
    }

    public static KeyVersionMetadata enabled(KeyId keyId, int version, Instant now) {
        return new KeyVersionMetadata(version, hsmLabelFor(keyId, version), KeyVersionState.ENABLED, now, null);
    }

    public KeyVersionMetadata destroyed(Instant now) {
        return new KeyVersionMetadata(version, hsmLabel, KeyVersionState.DESTROYED, createdAt, now, publicKey);
    }
}
