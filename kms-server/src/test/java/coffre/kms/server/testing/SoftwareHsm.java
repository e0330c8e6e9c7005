package coffre.kms.server.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * A pure-Java stand-in for the HSM, for fast unit tests of domain logic only. Tests that claim
 * HSM behaviour use a real SoftHSM token instead. It can be switched to failing, to exercise
 * the domain's handling of an unavailable HSM.
 */
public final class SoftwareHsm implements Hsm {
    private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();
    private final Map<String, SecretKey> macKeys = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean unavailable;
    private final java.util.concurrent.atomic.AtomicInteger labelSearches = new java.util.concurrent.atomic.AtomicInteger();

    private record Ref(String label, SecretKey key) implements HsmKeyRef {
        @Override
        public String toString() {
            return "Ref[" + label + "]";
        }
    }

    public void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public boolean contains(String label) {
        return keys.containsKey(label);
    }

    /** How many key generations searched for their label first ({@link LabelCheck#SEARCH_TOKEN}). */
    public int labelSearches() {
        return labelSearches.get();
    }

    private void check() {
        if (unavailable) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "software HSM switched off", "CKR_DEVICE_REMOVED", null);
        }
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        check();
        if (check == LabelCheck.SEARCH_TOKEN) {
            labelSearches.incrementAndGet();
            if (keys.containsKey(label) || macKeys.containsKey(label)) {
                throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
            }
        }
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256);
            SecretKey key = generator.generateKey();
            keys.put(label, key);
            return new Ref(label, key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        check();
        SecretKey key = keys.get(label);
        return key == null ? Optional.empty() : Optional.of(new Ref(label, key));
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        check();
        byte[] iv = new byte[GcmCiphertext.IV_LENGTH];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, ((Ref) key).key(), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad);
            return new GcmCiphertext(iv, cipher.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        check();
        if (!keys.containsKey(key.label())) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no such key", "CKR_KEY_HANDLE_INVALID", null);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, ((Ref) key).key(), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad);
            return cipher.doFinal(ciphertextAndTag);
        } catch (AEADBadTagException e) {
            throw new HsmException(HsmErrorKind.AUTHENTICATION_FAILED, "authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        check();
        byte[] value = new byte[32];
        random.nextBytes(value);
        SecretKey key = new javax.crypto.spec.SecretKeySpec(value, "HmacSHA256");
        macKeys.put(label, key);
        return new Ref(label, key);
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        check();
        SecretKey key = macKeys.get(label);
        return key == null ? Optional.empty() : Optional.of(new Ref(label, key));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        check();
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(((Ref) macKey).key());
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] randomBytes(int length) {
        check();
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }

    @Override
    public boolean destroyKey(String label) {
        check();
        return keys.remove(label) != null;
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        check();
        if (!keys.containsKey(label)) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no such key");
        }
        return new HsmKeyAttributes(label, true, true, false, true, true, 32);
    }

    @Override
    public HsmHealth health() {
        return new HsmHealth(!unavailable, unavailable ? "switched off" : "ok");
    }

    @Override
    public HsmInfo info() {
        return new HsmInfo("software-test", "none", "none", "Coffre tests", "software", false, 1);
    }

    @Override
    public void close() {
    }
}
