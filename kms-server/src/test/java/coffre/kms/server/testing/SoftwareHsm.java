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
 * the domain's handling of an unavailable HSM. It keeps the port's contract where a caller can
 * tell (labels, argument checks, key kinds, references per instance, destroyed keys, close):
 * {@code SoftwareHsmConformanceTest} runs the HSM conformance suite on it.
 */
public final class SoftwareHsm implements Hsm {
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[A-Za-z0-9._:/@+=-]{1,128}");
    private static final int MAX_RANDOM_BYTES = 1 << 16;
    private final Map<String, SecretKey> keys;
    private final Map<String, SecretKey> macKeys;
    private final SecureRandom random = new SecureRandom();
    private volatile boolean unavailable;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger labelSearches = new java.util.concurrent.atomic.AtomicInteger();

    private record Ref(SoftwareHsm owner, String label, boolean mac, SecretKey key) implements HsmKeyRef {
        @Override
        public String toString() {
            return "Ref[" + label + "]";
        }
    }

    public SoftwareHsm() {
        this(new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    private SoftwareHsm(Map<String, SecretKey> keys, Map<String, SecretKey> macKeys) {
        this.keys = keys;
        this.macKeys = macKeys;
    }

    /** A second instance over the same keys, as a second process opens the same token. */
    public SoftwareHsm anotherInstance() {
        return new SoftwareHsm(keys, macKeys);
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
        if (closed) {
            throw new IllegalStateException("this Hsm is closed");
        }
        if (unavailable) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "software HSM switched off", "CKR_DEVICE_REMOVED", null);
        }
    }

    private static String checkLabel(String label) {
        if (label == null || !LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("key label must be 1..128 characters of [A-Za-z0-9._:/@+=-], got '" + label + "'");
        }
        return label;
    }

    /** {@code key} as a reference of this instance to a key of the kind {@code mac} says, still on the token. */
    private Ref own(HsmKeyRef key, boolean mac) {
        if (!(java.util.Objects.requireNonNull(key, "key") instanceof Ref ref) || ref.owner() != this) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        if (ref.mac() != mac) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key '" + ref.label() + "' is "
                    + (mac ? "an AES key; HMAC needs a key made by generateMacKey" : "an HMAC key; encrypt and decrypt need an AES key"));
        }
        if (!(mac ? macKeys : keys).containsKey(ref.label())) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no such key", "CKR_KEY_HANDLE_INVALID", null);
        }
        return ref;
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        check();
        checkLabel(label);
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
            return new Ref(this, label, false, key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        check();
        SecretKey key = keys.get(checkLabel(label));
        return key == null ? Optional.empty() : Optional.of(new Ref(this, label, false, key));
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        check();
        Ref ref = own(key, false);
        java.util.Objects.requireNonNull(aad, "aad must not be null; pass an empty array");
        java.util.Objects.requireNonNull(plaintext, "plaintext");
        byte[] iv = new byte[GcmCiphertext.IV_LENGTH];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, ref.key(), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad);
            return new GcmCiphertext(iv, cipher.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        check();
        Ref ref = own(key, false);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, ref.key(), new GCMParameterSpec(128, iv));
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
        if (keys.containsKey(checkLabel(label)) || macKeys.containsKey(label)) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
        }
        byte[] value = new byte[32];
        random.nextBytes(value);
        SecretKey key = new javax.crypto.spec.SecretKeySpec(value, "HmacSHA256");
        macKeys.put(label, key);
        return new Ref(this, label, true, key);
    }

    @Override
    public HsmKeyRef importMacKey(String label, byte[] value) {
        check();
        java.util.Objects.requireNonNull(value, "value");
        if (value.length < MIN_IMPORTED_MAC_BYTES || value.length > MAX_IMPORTED_MAC_BYTES) {
            throw new IllegalArgumentException("an imported MAC key holds " + MIN_IMPORTED_MAC_BYTES + " to "
                    + MAX_IMPORTED_MAC_BYTES + " bytes, got " + value.length);
        }
        if (keys.containsKey(checkLabel(label)) || macKeys.containsKey(label)) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
        }
        SecretKey key = new javax.crypto.spec.SecretKeySpec(value, "HmacSHA256");
        macKeys.put(label, key);
        return new Ref(this, label, true, key);
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        check();
        SecretKey key = macKeys.get(checkLabel(label));
        return key == null ? Optional.empty() : Optional.of(new Ref(this, label, true, key));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        check();
        Ref ref = own(macKey, true);
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(ref.key());
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] randomBytes(int length) {
        check();
        if (length < 0 || length > MAX_RANDOM_BYTES) {
            throw new IllegalArgumentException("random length must be between 0 and " + MAX_RANDOM_BYTES + ", got " + length);
        }
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }

    @Override
    public boolean destroyKey(String label) {
        check();
        boolean aes = keys.remove(checkLabel(label)) != null;
        return macKeys.remove(label) != null || aes;
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        check();
        if (!keys.containsKey(checkLabel(label))) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no such key");
        }
        return new HsmKeyAttributes(label, true, true, false, true, true, 32);
    }

    @Override
    public HsmHealth health() {
        if (closed) {
            return new HsmHealth(false, "closed");
        }
        return new HsmHealth(!unavailable, unavailable ? "switched off" : "ok");
    }

    @Override
    public HsmInfo info() {
        return new HsmInfo("software-test", "none", "none", "Coffre tests", "software", false, 1);
    }

    @Override
    public void close() {
        closed = true;
    }
}
