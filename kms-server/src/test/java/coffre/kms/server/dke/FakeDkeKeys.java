package coffre.kms.server.dke;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyId;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The {@link DkeKeys} port for the edge's tests, in plain Java: RSA key pairs per key and version
 * (the JDK's RSA-OAEP-256 in place of the HSM), a policy as a predicate on the caller and its
 * claims, a disabled flag and a break-glass flag that answer as the domain does. The real
 * implementation is the domain's, tested on SoftHSM.
 */
final class FakeDkeKeys implements DkeKeys {
    private final Map<KeyId, List<KeyPair>> versions = new ConcurrentHashMap<>();
    private final Map<KeyId, Boolean> disabled = new ConcurrentHashMap<>();
    private final Map<KeyId, Boolean> breakGlass = new ConcurrentHashMap<>();
    private volatile BiPredicate<Principal, RequestMetadata> policy = (caller, claims) -> true;

    /** A new key with one version; {@code name} only for the reader of the test. */
    KeyId create(String name) {
        KeyId keyId = KeyId.random(new java.security.SecureRandom());
        versions.put(keyId, new ArrayList<>(List.of(newPair())));
        return keyId;
    }

    void rotate(KeyId keyId) {
        versions.get(keyId).add(newPair());
    }

    void disable(KeyId keyId, boolean off) {
        disabled.put(keyId, off);
    }

    void breakGlass(KeyId keyId, boolean on) {
        breakGlass.put(keyId, on);
    }

    void policy(BiPredicate<Principal, RequestMetadata> allowed) {
        this.policy = allowed;
    }

    @Override
    public PublicKeyVersion publicKey(Principal caller, RequestMetadata claims, KeyId keyId) {
        List<KeyPair> pairs = usable(keyId);
        if (caller != null && !policy.test(caller, claims)) {
            throw new KmsException(ErrorReason.PERMISSION_DENIED, caller + " may not GET_PUBLIC_KEY " + keyId.value());
        }
        return new PublicKeyVersion(keyId, pairs.size(), (RSAPublicKey) pairs.getLast().getPublic());
    }

    @Override
    public Decryption decrypt(Principal caller, RequestMetadata claims, KeyId keyId, int version, byte[] ciphertext) {
        List<KeyPair> pairs = usable(keyId);
        if (!policy.test(caller, claims)) {
            throw new KmsException(ErrorReason.PERMISSION_DENIED, caller + " may not DECRYPT with " + keyId.value());
        }
        if (Boolean.TRUE.equals(breakGlass.get(keyId))) {
            throw new KmsException(ErrorReason.APPROVAL_REQUIRED, "break-glass key " + keyId.value(),
                    Map.of("approval_request_id", "apr-fake"));
        }
        if (version > pairs.size()) {
            throw KmsException.decryptionFailed();
        }
        try {
            Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
            oaep.init(Cipher.DECRYPT_MODE, pairs.get(version - 1).getPrivate(), OAEP_SHA256);
            return new Decryption(keyId, version, SecretBytes.adopt(oaep.doFinal(ciphertext)));
        } catch (GeneralSecurityException e) {
            throw KmsException.decryptionFailed();
        }
    }

    /** RSA-OAEP with SHA-256 and MGF1-SHA-256, empty label: what Office encrypts with. */
    static final OAEPParameterSpec OAEP_SHA256 = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
            PSource.PSpecified.DEFAULT);

    private List<KeyPair> usable(KeyId keyId) {
        List<KeyPair> pairs = versions.get(keyId);
        if (pairs == null) {
            throw new KmsException(ErrorReason.KEY_NOT_FOUND, "no key " + keyId.value());
        }
        if (Boolean.TRUE.equals(disabled.get(keyId))) {
            throw new KmsException(ErrorReason.KEY_DISABLED, "key " + keyId.value() + " is disabled");
        }
        return pairs;
    }

    private static KeyPair newPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
