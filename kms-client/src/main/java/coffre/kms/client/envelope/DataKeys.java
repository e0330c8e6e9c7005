package coffre.kms.client.envelope;

import java.util.Map;

/**
 * Where {@link CoffreEnvelope} gets its data keys: a fresh one to encrypt a message, the
 * plaintext of a wrapped one to decrypt it. The role of the AWS Encryption SDK's
 * "cryptographic materials manager": {@link KmsDataKeys} asks Coffre every time,
 * {@link CachingDataKeys} reuses keys within bounds. Implementations must be thread-safe.
 *
 * <p>Every returned {@link DataKey} belongs to the caller, who destroys it when done.
 */
public interface DataKeys {

    /** Tells {@link #generate} that the size of the message is not known in advance. */
    long UNKNOWN_SIZE = -1;

    /**
     * A 32-byte data key wrapped under {@code keyId} with {@code context}.
     *
     * @param plaintextBytes how many bytes the key will encrypt, or {@link #UNKNOWN_SIZE}
     * @throws coffre.kms.client.CoffreException if Coffre refuses or cannot be reached
     */
    DataKey generate(String keyId, Map<String, String> context, long plaintextBytes);

    /**
     * The data key inside {@code wrapped}, a Coffre envelope made with {@code context}.
     *
     * @throws coffre.kms.client.DecryptionFailedException if {@code wrapped} or {@code context} is wrong
     * @throws coffre.kms.client.CoffreException for any other refusal or failure
     */
    DataKey unwrap(byte[] wrapped, Map<String, String> context);
}
