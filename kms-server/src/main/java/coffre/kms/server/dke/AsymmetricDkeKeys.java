package coffre.kms.server.dke;

import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.keys.KeyCapabilities;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.server.keys.KeyVersionMetadata;
import coffre.kms.server.keys.LiveKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;

/**
 * The {@link DkeKeys} port over the domain: {@link AsymmetricOperations} decides every call with a
 * caller (its policy on the token's claims, the key's state and usage, the version, break-glass,
 * the HSM). The edge adds one rule of the protocol: a DKE key hands out and decrypts with RSA
 * {@code ENCRYPT_DECRYPT} keys only, so Office never encrypts to a signing key's public half.
 *
 * <p>An anonymous public-key request ({@code dke.anonymousPublicKey}) has no caller to decide on:
 * the key's state and usage are checked from the registry, as the domain would, and its policy is
 * not consulted (the public key is public).
 */
public final class AsymmetricDkeKeys implements DkeKeys {
    private final AsymmetricOperations operations;
    private final KeyRegistry registry;

    public AsymmetricDkeKeys(AsymmetricOperations operations, KeyRegistry registry) {
        this.operations = operations;
        this.registry = registry;
    }

    @Override
    public PublicKeyVersion publicKey(Principal caller, RequestMetadata claims, KeyId keyId) {
        if (caller == null) {
            return anonymous(keyId);
        }
        AsymmetricOperations.PublicKey key = operations.publicKey(caller, new KeyReference.ById(keyId), 0, claims);
        requireDecryptionKey(key.keyId(), key.spec(), key.usage());
        return new PublicKeyVersion(key.keyId(), key.keyVersion(), rsa(key.publicKey().jca()));
    }

    @Override
    public Decryption decrypt(Principal caller, RequestMetadata claims, KeyId keyId, int version, byte[] ciphertext) {
        AsymmetricOperations.Decrypted decrypted = operations.decrypt(caller, new KeyReference.ById(keyId), version,
                ciphertext, claims);
        return new Decryption(decrypted.keyId(), decrypted.keyVersion(), decrypted.plaintext());
    }

    private PublicKeyVersion anonymous(KeyId keyId) {
        LiveKey key = registry.getOrCatchUp(keyId).orElseThrow(() -> new KmsException(ErrorReason.KEY_NOT_FOUND,
                "no key " + keyId.value()));
        KeyMetadata metadata = key.metadata();
        KeyLifecycle.requireUsable(metadata);
        KeyCapabilities.require(metadata, DataOperation.GET_PUBLIC_KEY);
        requireDecryptionKey(metadata.id(), metadata.spec(), metadata.usage());
        KeyVersionMetadata primary = metadata.version(metadata.primaryVersion()).orElseThrow(() ->
                new KmsException(ErrorReason.KEY_VERSION_NOT_FOUND, "key " + keyId.value() + " has no primary version"));
        return new PublicKeyVersion(metadata.id(), primary.version(), rsa(primary.publicKey().jca()));
    }

    private static void requireDecryptionKey(KeyId keyId, KeySpec spec, KeyUsage usage) {
        if (spec.family() != KeySpec.Family.RSA || usage != KeyUsage.ENCRYPT_DECRYPT) {
            throw new KmsException(ErrorReason.INVALID_KEY_USAGE, "key " + keyId.value() + " is " + spec + " " + usage
                    + ": Double Key Encryption needs an RSA ENCRYPT_DECRYPT key",
                    Map.of("key_spec", spec.name(), "key_usage", usage.name()));
        }
    }

    private static RSAPublicKey rsa(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return rsa;
        }
        throw new IllegalStateException("an RSA key's public half is not an RSA public key: " + key.getAlgorithm());
    }
}
