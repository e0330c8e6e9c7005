package coffre.kms.server.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A real HSM whose key operations (encrypt, decrypt, RSA-OAEP decrypt, sign) can be made to stall,
 * as a network HSM that stops answering would, or to fail: for tests of the server's deadlines and
 * failure answers only (everything else goes to the real HSM).
 */
public final class StallingHsm implements Hsm {
    private final Hsm real;
    private volatile CountDownLatch stall;
    private volatile coffre.hsm.HsmErrorKind failure;

    public StallingHsm(Hsm real) {
        this.real = real;
    }

    /** From now on, the key operations block until {@link #resume()}. */
    public void stall() {
        stall = new CountDownLatch(1);
    }

    public void resume() {
        CountDownLatch s = stall;
        stall = null;
        if (s != null) {
            s.countDown();
        }
    }

    /** From now on, the key operations fail at once with {@code kind} (null: they work again). */
    public void failWith(coffre.hsm.HsmErrorKind kind) {
        failure = kind;
    }

    private void maybeStall() {
        coffre.hsm.HsmErrorKind kind = failure;
        if (kind != null) {
            throw new coffre.hsm.HsmException(kind, "injected failure: " + kind);
        }
        CountDownLatch s = stall;
        if (s != null) {
            try {
                s.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        return real.generateKey(label, check);
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        return real.findKey(label);
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        maybeStall();
        return real.encrypt(key, aad, plaintext);
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        maybeStall();
        return real.decrypt(key, iv, aad, ciphertextAndTag);
    }

    @Override
    public HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check) {
        return real.generateKeyPair(label, spec, usage, check);
    }

    @Override
    public Optional<HsmKeyPair> findKeyPair(String label) {
        return real.findKeyPair(label);
    }

    @Override
    public Map<String, HsmKeyPair> findKeyPairs(Collection<String> labels) {
        return real.findKeyPairs(labels);
    }

    @Override
    public byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext) {
        maybeStall();
        return real.rsaOaepDecrypt(privateKey, ciphertext);
    }

    @Override
    public byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest) {
        maybeStall();
        return real.signDigest(privateKey, scheme, digest);
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        return real.generateMacKey(label);
    }

    @Override
    public HsmKeyRef importMacKey(String label, byte[] value) {
        return real.importMacKey(label, value);
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        return real.findMacKey(label);
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        return real.hmacSha256(macKey, data);
    }

    @Override
    public byte[] randomBytes(int length) {
        return real.randomBytes(length);
    }

    @Override
    public boolean destroyKey(String label) {
        return real.destroyKey(label);
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        return real.describeKey(label);
    }

    @Override
    public HsmHealth health() {
        return real.health();
    }

    @Override
    public HsmInfo info() {
        return real.info();
    }

    @Override
    public java.util.Optional<coffre.hsm.HsmStats> stats() {
        return real.stats();
    }

    @Override
    public void close() {
        resume();
        real.close();
    }
}
