package coffre.kms.client.envelope;

import coffre.kms.client.DecryptionFailedException;
import io.grpc.Status;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for Coffre in unit tests of the envelope: wraps data keys with AES-GCM under a random
 * in-memory key, binding the encryption context as Coffre does, and refuses a changed wrapped key or
 * context with the same {@link DecryptionFailedException} the real client throws. Counts its calls.
 */
final class LocalDataKeys implements DataKeys {
    static final String KEY_ID = "key-local0local0local0local0ab";

    private final SecureRandom random = new SecureRandom();
    private final SecretKeySpec master;
    final AtomicLong generateCalls = new AtomicLong();
    final AtomicLong unwrapCalls = new AtomicLong();

    LocalDataKeys() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        master = new SecretKeySpec(key, "AES");
    }

    @Override
    public DataKey generate(String keyId, Map<String, String> context, long plaintextBytes) {
        generateCalls.incrementAndGet();
        byte[] plaintext = new byte[32];
        random.nextBytes(plaintext);
        byte[] iv = new byte[12];
        random.nextBytes(iv);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, iv));
            gcm.updateAAD(CanonicalContext.encode(context));
            byte[] sealed = gcm.doFinal(plaintext);
            byte[] wrapped = Arrays.copyOf(iv, 12 + sealed.length);
            System.arraycopy(sealed, 0, wrapped, 12, sealed.length);
            return DataKey.of(KEY_ID, 1, plaintext, wrapped);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    @Override
    public DataKey unwrap(byte[] wrapped, Map<String, String> context) {
        unwrapCalls.incrementAndGet();
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, wrapped, 0, 12));
            gcm.updateAAD(CanonicalContext.encode(context));
            byte[] plaintext = gcm.doFinal(wrapped, 12, wrapped.length - 12);
            try {
                return DataKey.of(KEY_ID, 1, plaintext, wrapped);
            } finally {
                Arrays.fill(plaintext, (byte) 0);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new DecryptionFailedException(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", Map.of(),
                    "the envelope cannot be decrypted", null);
        }
    }
}
