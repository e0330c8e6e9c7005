package coffre.kms.server.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
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
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * A pure-Java stand-in for the HSM, for fast unit tests of domain logic only. Tests that claim
 * HSM behaviour use a real SoftHSM token instead. It can be switched to failing, to exercise
 * the domain's handling of an unavailable HSM. It keeps the port's contract where a caller can
 * tell (labels, argument checks, key kinds, references per instance, destroyed keys, close):
 * {@code SoftwareHsmConformanceTest} runs the HSM conformance suite on it.
 *
 * <p>Key pairs are JDK key pairs in memory; OAEP decryption is the JDK's SunJCE OAEP with
 * SHA-256/MGF1-SHA-256 and ECDSA its {@code NONEwithECDSA} over the digest. RSA-PSS over a digest
 * the caller already took has no JDK {@code Signature} (SunRsaSign always hashes its input), so
 * it is Bouncy Castle's {@code RAWRSASSA-PSS} (test scope only; the real HSM does PSS itself).
 */
public final class SoftwareHsm implements Hsm {
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[A-Za-z0-9._:/@+=-]{1,128}");
    private static final int MAX_RANDOM_BYTES = 1 << 16;
    /** Not registered with the JVM: used only for PSS over a digest, by name. */
    private static final java.security.Provider BOUNCY_CASTLE = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    private final Map<String, SecretKey> keys;
    private final Map<String, SecretKey> macKeys;
    private final Map<String, StoredPair> pairs;
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

    /** A key pair as the token holds it. */
    private record StoredPair(KeyPair keys, KeyPairSpec spec, KeyPairUsage usage) {
    }

    /** A reference of this instance to a key pair's private half. */
    private record PairRef(SoftwareHsm owner, String label, StoredPair pair) implements HsmKeyRef {
        @Override
        public String toString() {
            return "PairRef[" + label + "]";
        }
    }

    public SoftwareHsm() {
        this(new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    private SoftwareHsm(Map<String, SecretKey> keys, Map<String, SecretKey> macKeys, Map<String, StoredPair> pairs) {
        this.keys = keys;
        this.macKeys = macKeys;
        this.pairs = pairs;
    }

    /** A second instance over the same keys, as a second process opens the same token. */
    public SoftwareHsm anotherInstance() {
        return new SoftwareHsm(keys, macKeys, pairs);
    }

    public void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public boolean contains(String label) {
        return keys.containsKey(label) || pairs.containsKey(label);
    }

    private boolean taken(String label) {
        return keys.containsKey(label) || macKeys.containsKey(label) || pairs.containsKey(label);
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
        if (java.util.Objects.requireNonNull(key, "key") instanceof PairRef pair && pair.owner() == this) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key '" + pair.label() + "' is a key pair; "
                    + (mac ? "HMAC needs a key made by generateMacKey" : "encrypt and decrypt need an AES key"));
        }
        if (!(key instanceof Ref ref) || ref.owner() != this) {
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
            if (taken(label)) {
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
        if (taken(checkLabel(label))) {
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
        if (taken(checkLabel(label))) {
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
    public HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check) {
        check();
        checkLabel(label);
        java.util.Objects.requireNonNull(spec, "spec");
        java.util.Objects.requireNonNull(usage, "usage");
        java.util.Objects.requireNonNull(check, "check");
        if (spec.family() == KeyPairSpec.Family.EC && usage == KeyPairUsage.DECRYPT) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "an EC key pair cannot decrypt; "
                    + spec + " allows only " + KeyPairUsage.SIGN);
        }
        if (check == LabelCheck.SEARCH_TOKEN) {
            labelSearches.incrementAndGet();
            if (taken(label)) {
                throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
            }
        }
        try {
            KeyPairGenerator generator;
            if (spec.family() == KeyPairSpec.Family.RSA) {
                generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(new RSAKeyGenParameterSpec(spec.bits(), RSAKeyGenParameterSpec.F4), random);
            } else {
                generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec(spec == KeyPairSpec.EC_P256 ? "secp256r1" : "secp384r1"), random);
            }
            StoredPair pair = new StoredPair(generator.generateKeyPair(), spec, usage);
            pairs.put(label, pair);
            return issue(label, pair);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private HsmKeyPair issue(String label, StoredPair pair) {
        return new HsmKeyPair(new PairRef(this, label, pair), pair.spec(), pair.usage(),
                pair.keys().getPublic().getEncoded());
    }

    @Override
    public Optional<HsmKeyPair> findKeyPair(String label) {
        check();
        StoredPair pair = pairs.get(checkLabel(label));
        return pair == null ? Optional.empty() : Optional.of(issue(label, pair));
    }

    /** {@code key} as a reference of this instance to a key pair still on the token, allowed {@code usage}. */
    private PairRef ownPair(HsmKeyRef key, KeyPairUsage usage) {
        if (java.util.Objects.requireNonNull(key, "key") instanceof Ref ref && ref.owner() == this) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key '" + ref.label() + "' is "
                    + (ref.mac() ? "an HMAC key" : "an AES key") + "; this operation needs the private key of a key pair");
        }
        if (!(key instanceof PairRef ref) || ref.owner() != this) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        if (pairs.get(ref.label()) != ref.pair()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no such key", "CKR_KEY_HANDLE_INVALID", null);
        }
        if (ref.pair().usage() != usage) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key pair '" + ref.label() + "' is for "
                    + ref.pair().usage() + ", not " + usage, "CKR_KEY_FUNCTION_NOT_PERMITTED", null);
        }
        return ref;
    }

    @Override
    public byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext) {
        check();
        PairRef ref = ownPair(privateKey, KeyPairUsage.DECRYPT);
        java.util.Objects.requireNonNull(ciphertext, "ciphertext");
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
            cipher.init(Cipher.DECRYPT_MODE, ref.pair().keys().getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
                    MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
            return cipher.doFinal(ciphertext);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Every failure alike, as the HSM answers it: no padding oracle.
            throw new HsmException(HsmErrorKind.AUTHENTICATION_FAILED, "authentication failed");
        }
    }

    @Override
    public byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest) {
        check();
        PairRef ref = ownPair(privateKey, KeyPairUsage.SIGN);
        java.util.Objects.requireNonNull(scheme, "scheme");
        java.util.Objects.requireNonNull(digest, "digest");
        if (!scheme.fits(ref.pair().spec())) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key pair '" + ref.label() + "' is " + ref.pair().spec()
                    + "; it signs with " + SignatureScheme.forSpec(ref.pair().spec()) + ", not " + scheme);
        }
        if (digest.length != scheme.digestLength()) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, scheme + " signs a " + scheme.digestLength()
                    + "-byte " + scheme.digestAlgorithm() + " digest, got " + digest.length + " bytes");
        }
        try {
            Signature signer;
            if (scheme == SignatureScheme.RSA_PSS_SHA256) {
                signer = Signature.getInstance("RAWRSASSA-PSS", BOUNCY_CASTLE);
                signer.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            } else {
                signer = Signature.getInstance("NONEwithECDSA");
            }
            signer.initSign(ref.pair().keys().getPrivate(), random);
            signer.update(digest);
            return signer.sign();
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
        boolean pair = pairs.remove(label) != null;
        return macKeys.remove(label) != null || aes || pair;
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        check();
        StoredPair pair = pairs.get(checkLabel(label));
        if (pair != null) {
            return new HsmKeyAttributes(label, true, true, false, true, true, (pair.spec().bits() + 7) / 8);
        }
        if (!keys.containsKey(label)) {
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
