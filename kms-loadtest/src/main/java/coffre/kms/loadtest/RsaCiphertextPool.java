package coffre.kms.loadtest;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GetPublicKeyResponse;
import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * RSA-OAEP ciphertexts made before the run for {@code AsymmetricDecrypt} calls, as a client of an
 * RSA key makes them: each key's public key read once through {@code GetPublicKey}, then the
 * workload's payload encrypted to it with the JDK (OAEP, SHA-256, MGF1-SHA-256), ciphertext
 * {@code i} for key {@code i mod keys}. OAEP is randomised, so every ciphertext differs.
 */
public final class RsaCiphertextPool {
    /** One ciphertext and the key version it was made for. */
    public record Ciphertext(String keyId, int keyVersion, ByteString ciphertext) {
    }

    private final List<Ciphertext> ciphertexts;
    private final int keys;

    private RsaCiphertextPool(List<Ciphertext> ciphertexts, int keys) {
        this.ciphertexts = List.copyOf(ciphertexts);
        this.keys = keys;
    }

    /**
     * @throws IllegalStateException naming the key and the reason if a public key cannot be read or used
     */
    public static RsaCiphertextPool make(ChannelPool channels, Workload workload, int count, long timeoutMillis) {
        Map<String, GetPublicKeyResponse> published = new LinkedHashMap<>();
        List<Ciphertext> made = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                String keyId = workload.key(i);
                GetPublicKeyResponse key = published.get(keyId);
                if (key == null) {
                    key = publicKey(channels, keyId, timeoutMillis);
                    published.put(keyId, key);
                }
                made.add(new Ciphertext(keyId, key.getKeyVersion(),
                        ByteString.copyFrom(encrypt(key, workload.payload().toByteArray()))));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt to the public key: " + e.getMessage(), e);
        }
        return new RsaCiphertextPool(made, published.size());
    }

    private static GetPublicKeyResponse publicKey(ChannelPool channels, String keyId, long timeoutMillis) {
        try {
            return CryptoServiceGrpc.newBlockingStub(channels.next()).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                    .getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId(keyId).build());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read the public key of " + keyId + " for asymmetric-decrypt: "
                    + ErrorReasons.of(e) + " (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] encrypt(GetPublicKeyResponse key, byte[] payload) throws GeneralSecurityException {
        PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(
                key.getPublicKeyDer().toByteArray()));
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
        cipher.init(Cipher.ENCRYPT_MODE, rsa, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                PSource.PSpecified.DEFAULT));
        return cipher.doFinal(payload);
    }

    public Ciphertext pick(RandomGenerator random) {
        return ciphertexts.get(random.nextInt(ciphertexts.size()));
    }

    public int size() {
        return ciphertexts.size();
    }

    /** How many keys' public keys were read (one GetPublicKey call each). */
    public int keys() {
        return keys;
    }
}
