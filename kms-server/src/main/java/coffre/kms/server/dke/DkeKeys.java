package coffre.kms.server.dke;

import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyId;
import java.security.interfaces.RSAPublicKey;

/**
 * What the DKE edge needs of Coffre's RSA keys: the public key of a key's primary version and an
 * RSA-OAEP (SHA-256, MGF1-SHA-256) decryption under a named version, each with the key's access
 * policy deciding on the caller and its token claims. The node implements it over the domain's
 * asymmetric operations ({@code crypto/}); tests over a fake. Every rule is the domain's: a
 * disabled or pending-deletion key, a destroyed version, a key of another usage, a policy that
 * refuses, a break-glass key without an approval, a ciphertext that does not open — each is the
 * domain's {@link KmsException} with its reason, which {@link DkeErrors} maps.
 */
public interface DkeKeys {

    /** A key version's public half. */
    record PublicKeyVersion(KeyId keyId, int version, RSAPublicKey key) {
    }

    /** A decryption's result; {@link #close()} zeroes the plaintext. */
    record Decryption(KeyId keyId, int version, SecretBytes plaintext) implements AutoCloseable {
        @Override
        public void close() {
            plaintext.close();
        }
    }

    /**
     * The public key of the key's primary version.
     *
     * @param caller null for an anonymous caller ({@code dke.anonymousPublicKey}): then only the
     *               key's state and usage are checked, not its policy
     * @throws KmsException KEY_NOT_FOUND, KEY_DISABLED, KEY_PENDING_DELETION, KEY_DESTROYED,
     *                      PERMISSION_DENIED (GET_PUBLIC_KEY), a usage reason
     */
    PublicKeyVersion publicKey(Principal caller, RequestMetadata claims, KeyId keyId);

    /**
     * Decrypts {@code ciphertext} with RSA-OAEP-256 under {@code version} of the key, in the HSM.
     *
     * @throws KmsException as {@link #publicKey}, PERMISSION_DENIED (DECRYPT), APPROVAL_REQUIRED
     *                      (metadata {@code approval_request_id}), DECRYPTION_FAILED,
     *                      HSM_UNAVAILABLE
     */
    Decryption decrypt(Principal caller, RequestMetadata claims, KeyId keyId, int version, byte[] ciphertext);
}
