package coffre.hsm.pkcs11;

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
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test double of one PKCS#11 module generation for {@link RecoveringHsmTest}: keys in software,
 * over a shared {@link Token} whose faults the test scripts. Like SoftHSM, a module that once
 * found its token gone stays broken for good; only a new module sees the token again.
 */
final class FakeModule implements Hsm {

    /** The token all generations share, and the faults to inject. */
    static final class Token {
        final ConcurrentHashMap<String, byte[]> aesKeys = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, byte[]> macKeys = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Pair> pairs = new ConcurrentHashMap<>();
        /** False: the token is gone; modules that notice stay broken. */
        volatile boolean present = true;
        /** The CKR code of the failure a broken module reports; null for a failure without code. */
        volatile String lossCode = "CKR_DEVICE_ERROR";
        /** When set, every call into any module waits for it (a stalled HSM). */
        volatile CountDownLatch stall;
        /** The next operation fails once with this (e.g. a broken session), then all is well. */
        final AtomicReference<HsmException> failOnce = new AtomicReference<>();
        /** Calls that reached a module, and modules opened. */
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
    }

    private record Ref(FakeModule owner, String label, boolean mac) implements HsmKeyRef {
    }

    /** A key pair on the fake token. */
    record Pair(KeyPair keys, KeyPairSpec spec, KeyPairUsage usage) {
    }

    private record PairRef(FakeModule owner, String label) implements HsmKeyRef {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Token token;
    private volatile boolean lost;
    private volatile boolean closed;

    private FakeModule(Token token) {
        this.token = token;
    }

    /** Opens a module: fails (as C_Initialize does) while the token is away. */
    static FakeModule open(Token token) {
        if (!token.present) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "HSM load library failed: HSM unavailable", "CKR_GENERAL_ERROR", null);
        }
        token.opens.incrementAndGet();
        return new FakeModule(token);
    }

    private void enter() {
        token.calls.incrementAndGet();
        awaitStall();
        if (closed) {
            throw new IllegalStateException("this Hsm is closed");
        }
        if (!token.present) {
            lost = true;
        }
        if (lost) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "HSM operation failed: HSM unavailable", token.lossCode, null);
        }
        HsmException once = token.failOnce.getAndSet(null);
        if (once != null) {
            throw once;
        }
    }

    private void awaitStall() {
        CountDownLatch stall = token.stall;
        if (stall != null) {
            try {
                stall.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Ref own(HsmKeyRef key, boolean mac) {
        if (key instanceof PairRef p && p.owner == this) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "wrong kind of key");
        }
        if (!(key instanceof Ref r) || r.owner != this) {
            throw new IllegalArgumentException("not issued by this module: " + key);
        }
        if (r.mac != mac) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "wrong kind of key");
        }
        byte[] k = (mac ? token.macKeys : token.aesKeys).get(r.label);
        if (k == null) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no key", "CKR_OBJECT_HANDLE_INVALID", null);
        }
        return r;
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        enter();
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        token.aesKeys.put(label, k);
        return new Ref(this, label, false);
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        enter();
        return token.aesKeys.containsKey(label) ? Optional.of(new Ref(this, label, false)) : Optional.empty();
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        enter();
        Ref r = own(key, false);
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(token.aesKeys.get(r.label), "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(aad);
            return new GcmCiphertext(iv, c.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        enter();
        Ref r = own(key, false);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(token.aesKeys.get(r.label), "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(aad);
            return c.doFinal(ciphertextAndTag);
        } catch (AEADBadTagException e) {
            throw CkrErrorMapper.authenticationFailed();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        enter();
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        token.macKeys.put(label, k);
        return new Ref(this, label, true);
    }

    @Override
    public HsmKeyRef importMacKey(String label, byte[] value) {
        enter();
        token.macKeys.put(label, value.clone());
        return new Ref(this, label, true);
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        enter();
        return token.macKeys.containsKey(label) ? Optional.of(new Ref(this, label, true)) : Optional.empty();
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        enter();
        Ref r = own(macKey, true);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.macKeys.get(r.label), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check) {
        enter();
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(spec.family() == KeyPairSpec.Family.RSA ? "RSA" : "EC");
            if (spec.family() == KeyPairSpec.Family.RSA) {
                g.initialize(spec.bits());
            } else {
                g.initialize(new ECGenParameterSpec(spec == KeyPairSpec.EC_P256 ? "secp256r1" : "secp384r1"));
            }
            Pair pair = new Pair(g.generateKeyPair(), spec, usage);
            token.pairs.put(label, pair);
            return pairOf(label, pair);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private HsmKeyPair pairOf(String label, Pair pair) {
        return new HsmKeyPair(new PairRef(this, label), pair.spec(), pair.usage(), pair.keys().getPublic().getEncoded());
    }

    @Override
    public Optional<HsmKeyPair> findKeyPair(String label) {
        enter();
        Pair pair = token.pairs.get(label);
        return pair == null ? Optional.empty() : Optional.of(pairOf(label, pair));
    }

    private Pair ownPair(HsmKeyRef key) {
        if (key instanceof Ref r && r.owner == this) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "wrong kind of key");
        }
        if (!(key instanceof PairRef r) || r.owner != this) {
            throw new IllegalArgumentException("not issued by this module: " + key);
        }
        Pair pair = token.pairs.get(r.label);
        if (pair == null) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no key", "CKR_OBJECT_HANDLE_INVALID", null);
        }
        return pair;
    }

    @Override
    public byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext) {
        enter();
        Pair pair = ownPair(privateKey);
        try {
            Cipher c = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
            c.init(Cipher.DECRYPT_MODE, pair.keys().getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
                    MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
            return c.doFinal(ciphertext);
        } catch (GeneralSecurityException e) {
            throw CkrErrorMapper.authenticationFailed();
        }
    }

    /** ECDSA only: the fake serves recovery tests, not the signature schemes (the conformance suite covers those). */
    @Override
    public byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest) {
        enter();
        Pair pair = ownPair(privateKey);
        if (pair.spec().family() != KeyPairSpec.Family.EC) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "the fake module signs with EC keys only");
        }
        try {
            Signature s = Signature.getInstance("NONEwithECDSA");
            s.initSign(pair.keys().getPrivate());
            s.update(digest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] randomBytes(int length) {
        enter();
        byte[] out = new byte[length];
        RANDOM.nextBytes(out);
        return out;
    }

    @Override
    public boolean destroyKey(String label) {
        enter();
        return token.aesKeys.remove(label) != null | token.macKeys.remove(label) != null | token.pairs.remove(label) != null;
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        enter();
        if (!token.aesKeys.containsKey(label)) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no key labelled '" + label + "'");
        }
        return new HsmKeyAttributes(label, true, true, false, true, true, 32);
    }

    @Override
    public HsmHealth health() {
        awaitStall();
        if (closed) {
            return new HsmHealth(false, "closed");
        }
        if (!token.present) {
            lost = true;
        }
        return lost ? new HsmHealth(false, "HSM unreachable (CKR_GENERAL_ERROR)") : new HsmHealth(true, "ready");
    }

    @Override
    public HsmInfo info() {
        return new HsmInfo("fake", "none", "fake-token", "test", "fake", false, 1);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            token.closes.incrementAndGet();
        }
    }
}
