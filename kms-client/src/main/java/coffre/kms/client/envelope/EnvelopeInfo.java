package coffre.kms.client.envelope;

import java.util.Map;
import java.util.Objects;

/**
 * What {@link CoffreEnvelope} tells its caller about a message it wrote or read: which Coffre key
 * wraps its data key, its encryption context, its segment size and the plaintext length. Nothing
 * secret.
 *
 * @param keyId the Coffre key that wraps the message's data key ({@code key-...})
 * @param keyVersion that key's version
 * @param context the encryption context bound to the message
 * @param segmentSize plaintext bytes per segment (the last may hold fewer)
 * @param plaintextBytes the length of the plaintext
 */
public record EnvelopeInfo(String keyId, int keyVersion, Map<String, String> context, int segmentSize,
                           long plaintextBytes) {

    public EnvelopeInfo {
        Objects.requireNonNull(keyId, "keyId");
        context = Map.copyOf(context);
    }
}
