package coffre.kms.client.envelope;

import coffre.kms.client.CoffreClient;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.UnwrapResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link DataKeys} that asks Coffre for every message: {@code GenerateDataKey} to encrypt,
 * {@code Unwrap} to decrypt. The default of {@link CoffreEnvelope}; it counts its calls so that
 * the saving of {@link CachingDataKeys} can be measured.
 */
public final class KmsDataKeys implements DataKeys {

    /** The only data-key length the envelope format uses (AES-256). */
    static final int KEY_BYTES = 32;

    private final CoffreClient client;
    private final AtomicLong generateCalls = new AtomicLong();
    private final AtomicLong unwrapCalls = new AtomicLong();

    /** @param client the client to call through; the caller keeps owning it */
    public KmsDataKeys(CoffreClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public DataKey generate(String keyId, Map<String, String> context, long plaintextBytes) {
        generateCalls.incrementAndGet();
        GenerateDataKeyResponse response = client.generateDataKey(keyId, KEY_BYTES, context);
        byte[] plaintext = response.getPlaintext().toByteArray();
        try {
            return DataKey.of(response.getKeyId(), response.getKeyVersion(), plaintext, response.getEnvelope().toByteArray());
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    @Override
    public DataKey unwrap(byte[] wrapped, Map<String, String> context) {
        unwrapCalls.incrementAndGet();
        UnwrapResponse response = client.unwrap(wrapped, context);
        byte[] plaintext = response.getPlaintext().toByteArray();
        try {
            return DataKey.of(response.getKeyId(), response.getKeyVersion(), plaintext, wrapped);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    /** How many {@code GenerateDataKey} calls this object made. */
    public long generateCalls() {
        return generateCalls.get();
    }

    /** How many {@code Unwrap} calls this object made. */
    public long unwrapCalls() {
        return unwrapCalls.get();
    }
}
