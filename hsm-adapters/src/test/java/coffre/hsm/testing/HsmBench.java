package coffre.hsm.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.Pkcs11Hsm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throughput benchmark (not a test): AES-GCM encrypt+decrypt pairs of 32 bytes on the SoftHSM2
 * test token, with the token key and with a session copy, for 1 and N threads. Run with the
 * module's test class path, the two PKCS#11 JVM flags and SOFTHSM2_CONF set; argument: seconds per
 * measurement (default 3), thread counts (default 1,2,4).
 */
public final class HsmBench {
    private HsmBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String[] threadCounts = (args.length > 1 ? args[1] : "1,2,4").split(",");
        for (boolean copies : new boolean[] {false, true}) {
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(8, copies))) {
                String label = "bench-" + System.nanoTime();
                HsmKeyRef key = hsm.generateKey(label);
                try {
                    run(hsm, key, 1, 1); // warm-up
                    for (String t : threadCounts) {
                        int threads = Integer.parseInt(t.strip());
                        double opsPerSecond = run(hsm, key, threads, seconds);
                        System.out.printf("%-12s threads=%d  %,.0f ops/s (encrypt or decrypt, 32 bytes)%n",
                                copies ? "session-copy" : "token-key", threads, opsPerSecond);
                    }
                } finally {
                    hsm.destroyKey(label);
                }
            }
        }
    }

    private static double run(Pkcs11Hsm hsm, HsmKeyRef key, int threads, int seconds) throws InterruptedException {
        LongAdder ops = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        byte[] aad = new byte[40];
        for (int i = 0; i < threads; i++) {
            Thread w = new Thread(() -> {
                byte[] pt = new byte[32];
                while (System.nanoTime() < end) {
                    GcmCiphertext ct = hsm.encrypt(key, aad, pt);
                    hsm.decrypt(key, ct.iv(), aad, ct.ciphertextAndTag());
                    ops.add(2);
                }
                done.countDown();
            });
            workers.add(w);
            w.start();
        }
        done.await();
        return ops.sum() / (double) seconds;
    }
}
