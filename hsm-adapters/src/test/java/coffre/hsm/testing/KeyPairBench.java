package coffre.hsm.testing;

import coffre.hsm.Hsm.LabelCheck;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import coffre.hsm.pkcs11.Pkcs11Hsm;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * A throughput benchmark (not a test) of the private-key operations on the raw {@link Pkcs11Hsm}
 * over the SoftHSM2 test token: RSA-3072 OAEP decryptions (the Microsoft DKE operation), ECDSA
 * P-256 and RSA-3072 PSS signatures of a digest, each with 1 and 2 threads (the machine has two
 * cores). Run as {@code HsmBench pairs [seconds] [threads]}, with the module's test class path,
 * the two PKCS#11 JVM flags and SOFTHSM2_CONF set. Prints one line per measurement:
 * {@code pairs <operation> threads=<n> <ops>/s}.
 */
final class KeyPairBench {
    private KeyPairBench() {
    }

    static void run(int seconds, int[] threadCounts) throws Exception {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(4))) {
            String prefix = "bench-pair-" + System.nanoTime() + "-";
            List<String> labels = new ArrayList<>();
            try {
                HsmKeyPair rsaDecrypt = generate(hsm, prefix + "oaep", KeyPairSpec.RSA_3072, KeyPairUsage.DECRYPT, labels);
                HsmKeyPair ecSign = generate(hsm, prefix + "p256", KeyPairSpec.EC_P256, KeyPairUsage.SIGN, labels);
                HsmKeyPair rsaSign = generate(hsm, prefix + "pss", KeyPairSpec.RSA_3072, KeyPairUsage.SIGN, labels);
                byte[] ciphertext = oaepEncrypt(rsaDecrypt, new byte[32]);
                byte[] digest = new byte[32];
                Operation oaep = new Operation("rsa3072-oaep-decrypt",
                        () -> hsm.rsaOaepDecrypt(rsaDecrypt.privateKey(), ciphertext));
                Operation ecdsa = new Operation("ecdsa-p256-sign",
                        () -> hsm.signDigest(ecSign.privateKey(), SignatureScheme.ECDSA_SHA256, digest));
                Operation pss = new Operation("rsa3072-pss-sign",
                        () -> hsm.signDigest(rsaSign.privateKey(), SignatureScheme.RSA_PSS_SHA256, digest));
                for (Operation op : List.of(oaep, ecdsa, pss)) {
                    measure(op, 1, 1); // warm-up
                    for (int threads : threadCounts) {
                        System.out.printf("pairs %-22s threads=%d %,10.0f ops/s%n", op.name(), threads,
                                measure(op, threads, seconds));
                    }
                }
            } finally {
                labels.forEach(hsm::destroyKey);
            }
        }
    }

    private record Operation(String name, Supplier<byte[]> call) {
    }

    private static HsmKeyPair generate(Pkcs11Hsm hsm, String label, KeyPairSpec spec, KeyPairUsage usage, List<String> labels) {
        labels.add(label);
        return hsm.generateKeyPair(label, spec, usage, LabelCheck.CALLER_MADE_UNIQUE);
    }

    private static byte[] oaepEncrypt(HsmKeyPair pair, byte[] plaintext) throws GeneralSecurityException {
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pair.publicKeyDer()));
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                PSource.PSpecified.DEFAULT));
        return c.doFinal(plaintext);
    }

    /** Calls per second of {@code op} by {@code threads} threads for {@code seconds}. */
    private static double measure(Operation op, int threads, int seconds) throws InterruptedException {
        LongAdder ops = new LongAdder();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        CountDownLatch done = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            Thread w = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        op.call().get();
                        ops.increment();
                    }
                } finally {
                    done.countDown();
                }
            });
            w.start();
        }
        done.await();
        return ops.sum() / ((System.nanoTime() - start) / 1e9);
    }
}
