package coffre.kms.tink;

import coffre.kms.client.CoffreClient;
import coffre.kms.client.CoffreException;
import coffre.kms.v1.UnwrapResponse;
import com.google.crypto.tink.Aead;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * Tink's {@link Aead} over one Coffre key: {@code encrypt} is Coffre's Wrap, {@code decrypt} its
 * Unwrap, so the key never leaves the HSM. It is what {@link CoffreKmsClient#getAead} returns, and
 * what Tink's {@code KmsEnvelopeAead} and encrypted keysets call to wrap their data keys.
 *
 * <p>The contract, beyond Tink's:
 * <ul>
 *   <li>Tink's associated data travels as one encryption-context entry,
 *       {@value #ASSOCIATED_DATA_CONTEXT_KEY} = the unpadded base64url of the bytes; empty (or null)
 *       associated data sends an empty context. The server binds the context into the envelope, so
 *       decrypting with other associated data fails. A key's access policy may require this entry.</li>
 *   <li>Plaintexts are at most 4096 bytes (Wrap's limit): this is a key-wrapping AEAD, for data keys
 *       and keysets, not for bulk data.</li>
 *   <li>When the URI names a key by its id, {@code decrypt} also refuses an envelope made under
 *       another key the caller may use (as Tink's AWS client does); an alias is resolved by the
 *       server, which opens whatever key the envelope names.</li>
 *   <li>Every failure is a {@link GeneralSecurityException} whose cause is Coffre's typed
 *       {@link CoffreException} (its reason, gRPC code and metadata), and whose message names the
 *       key URI and the reason, never the data.</li>
 * </ul>
 * Thread-safe, as the client it calls through.
 */
public final class CoffreAead implements Aead {

    /** The encryption-context key under which Tink's associated data is sent. */
    public static final String ASSOCIATED_DATA_CONTEXT_KEY = "tink.associated_data";

    private final CoffreClient client;
    private final CoffreKeyUri key;

    /**
     * @param client the client to call through; the caller keeps owning it
     * @param key the Coffre key to wrap under
     */
    public CoffreAead(CoffreClient client, CoffreKeyUri key) {
        this.client = Objects.requireNonNull(client, "client");
        this.key = Objects.requireNonNull(key, "key");
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        Objects.requireNonNull(plaintext, "plaintext");
        try {
            return client.wrap(key.keyId(), plaintext, context(associatedData)).getEnvelope().toByteArray();
        } catch (CoffreException e) {
            throw new GeneralSecurityException("Coffre could not wrap under " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
        Objects.requireNonNull(ciphertext, "ciphertext");
        UnwrapResponse opened;
        try {
            opened = client.unwrap(ciphertext, context(associatedData));
        } catch (CoffreException e) {
            throw new GeneralSecurityException("Coffre could not unwrap under " + key + ": " + e.getMessage(), e);
        }
        if (key.isKeyId() && !key.keyId().equals(opened.getKeyId())) {
            throw new GeneralSecurityException("the ciphertext was made under " + opened.getKeyId()
                    + ", not under " + key);
        }
        return opened.getPlaintext().toByteArray();
    }

    /** The encryption context that carries {@code associatedData}; empty for none. */
    public static Map<String, String> context(byte[] associatedData) {
        if (associatedData == null || associatedData.length == 0) {
            return Map.of();
        }
        return Map.of(ASSOCIATED_DATA_CONTEXT_KEY, Base64.getUrlEncoder().withoutPadding().encodeToString(associatedData));
    }

    @Override
    public String toString() {
        return "CoffreAead[" + key + "]";
    }
}
