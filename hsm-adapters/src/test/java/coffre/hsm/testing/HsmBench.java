package coffre.hsm.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm.LabelCheck;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.pkcs11.Pkcs11HsmConfig;
import coffre.hsm.pkcs11.TokenSelector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throughput benchmark (not a test): AES-GCM encrypt+decrypt pairs of 32 bytes on the SoftHSM2
 * test token, with the token key and with a session copy, for 1 and N threads. Run with the
 * module's test class path, the two PKCS#11 JVM flags and SOFTHSM2_CONF set; argument: seconds per
 * measurement (default 3), thread counts (default 1,2,4).
 *
 * <p>With {@code keys <n> [token label] [search]} it measures key creation instead, on a token of
 * its own (default {@value #KEYS_TOKEN}; use a scratch {@code SOFTHSM2_CONF}): it creates {@code n}
 * keys as the server does (labels unique by construction, {@link LabelCheck#CALLER_MADE_UNIQUE};
 * with {@code search}, each label searched for first) and prints the time of each 1,000, then how long a second module (its own library copy, as
 * another process) takes to find and use the last key, how long opening takes with {@code n} keys
 * on the token, and how long destroying them takes. Without {@code --add-opens} it measures the
 * KeyStore fallback.
 *
 * <p>With {@code spread <token label> <pin file> <seconds> <rounds> <counts> [threads]} it measures
 * what the number of keys costs the HSM itself: on a token that already holds keys (the benchmark
 * node's, its server stopped), opened as a node opens it (session copies, one search for all keys),
 * encrypt+decrypt pairs with a key drawn at random per pair (as the load tool draws them) from the
 * first n of its keys, for each n of {@code counts} (comma-separated) in turn, {@code rounds} times
 * (this VM's capacity swings within minutes: interleaving puts each count beside the others). Prints
 * a line per measurement and, per count, a {@code spread-mean} and a {@code spread-median} line.
 *
 * <p>With {@code pairs [seconds] [threads]} it measures the key-pair operations instead
 * ({@link KeyPairBench}: RSA-3072 OAEP decryption, ECDSA P-256 and RSA-3072 PSS signatures).
 */
public final class HsmBench {
    private static final String KEYS_TOKEN = "coffre-bench-keys";
    private static final int BLOCK = 1_000;

    private HsmBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("spread")) {
            spread(args[1], Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Arrays.stream(args[5].split(",")).mapToInt(c -> Integer.parseInt(c.strip())).toArray(),
                    args.length > 6 ? Integer.parseInt(args[6]) : 2);
            return;
        }
        if (args.length > 0 && args[0].equals("pairs")) {
            KeyPairBench.run(args.length > 1 ? Integer.parseInt(args[1]) : 3,
                    Arrays.stream((args.length > 2 ? args[2] : "1,2").split(",")).mapToInt(c -> Integer.parseInt(c.strip())).toArray());
            return;
        }
        if (args.length > 0 && args[0].equals("keys")) {
            keys(Integer.parseInt(args[1]), args.length > 2 ? args[2] : KEYS_TOKEN,
                    args.length > 3 && args[3].equals("search") ? LabelCheck.SEARCH_TOKEN : LabelCheck.CALLER_MADE_UNIQUE);
            return;
        }
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

    private static void keys(int n, String tokenLabel, LabelCheck check) throws java.io.IOException {
        SoftHsmTestToken token = SoftHsmTestToken.get(tokenLabel);
        String prefix = "bench-" + Long.toHexString(System.nanoTime()) + "-";
        List<String> labels = new ArrayList<>();
        byte[] aad = new byte[0];
        byte[] pt = new byte[32];
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(token.config(2))) {
            long start = System.nanoTime();
            long blockStart = start;
            for (int i = 1; i <= n; i++) {
                String label = prefix + i;
                hsm.generateKey(label, check);
                labels.add(label);
                if (i % BLOCK == 0 || i == n) {
                    long now = System.nanoTime();
                    int inBlock = i % BLOCK == 0 ? BLOCK : i % BLOCK;
                    System.out.printf("keys %,6d..%,6d: %,8.0f ms (%.2f ms/key), total %,.1f s%n", i - inBlock + 1, i,
                            (now - blockStart) / 1e6, (now - blockStart) / 1e6 / inBlock, (now - start) / 1e9);
                    blockStart = now;
                }
            }
            String last = labels.get(labels.size() - 1);
            GcmCiphertext ct = hsm.encrypt(hsm.findKey(last).orElseThrow(), aad, pt);
            Path dir = Files.createTempDirectory("coffre-bench-lib");
            Path copy = Files.copy(token.library(), dir.resolve("libsofthsm2.so"));
            long t0 = System.nanoTime();
            try (Pkcs11Hsm other = Pkcs11Hsm.open(token.config(2).withLibrary(copy))) {
                long t1 = System.nanoTime();
                HsmKeyRef found = other.findKey(last).orElseThrow();
                other.decrypt(found, ct.iv(), aad, ct.ciphertextAndTag());
                long t2 = System.nanoTime();
                String late = prefix + "late";
                hsm.generateKey(late);
                labels.add(late);
                long t3 = System.nanoTime();
                other.encrypt(other.findKey(late).orElseThrow(), aad, pt);
                long t4 = System.nanoTime();
                System.out.printf("second module (own library copy): open with %,d keys on the token %,.0f ms;"
                                + " find+decrypt a key made before it opened %,.1f ms; find+encrypt a key made after %,.1f ms%n",
                        labels.size(), (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t4 - t3) / 1e6);
            } finally {
                Files.deleteIfExists(copy);
                Files.deleteIfExists(dir);
            }
            long d0 = System.nanoTime();
            labels.forEach(hsm::destroyKey);
            System.out.printf("destroyed %,d keys in %,.1f s%n", labels.size(), (System.nanoTime() - d0) / 1e9);
        }
    }

    private static void spread(String tokenLabel, Path pinFile, int seconds, int rounds, int[] counts,
                               int threads) throws InterruptedException {
        Pkcs11HsmConfig config = Pkcs11HsmConfig.of("softhsm2", TokenSelector.label(tokenLabel),
                PinSource.fromFile(pinFile), Math.max(2, threads)).withSessionKeyCopies(true);
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(config)) {
            List<String> labels = new ArrayList<>(hsm.keyLabels());
            Collections.shuffle(labels, new Random(1));
            int most = Arrays.stream(counts).max().orElseThrow();
            if (labels.size() < most) {
                throw new IllegalArgumentException("the token holds " + labels.size() + " AES keys, fewer than " + most);
            }
            long t0 = System.nanoTime();
            List<HsmKeyRef> keys = new ArrayList<>(hsm.findKeys(labels.subList(0, most)).values());
            System.out.printf("opened %s: %,d keys found in %,.1f s%n", tokenLabel, keys.size(), (System.nanoTime() - t0) / 1e9);
            run(hsm, keys, threads, 1); // warm-up, every key used once at least
            double[][] rates = new double[counts.length][rounds];
            for (int round = 1; round <= rounds; round++) {
                for (int i = 0; i < counts.length; i++) {
                    double opsPerSecond = run(hsm, keys.subList(0, counts[i]), threads, seconds);
                    rates[i][round - 1] = opsPerSecond;
                    System.out.printf("spread keys=%d threads=%d round=%d %,.0f ops/s%n", counts[i], threads, round, opsPerSecond);
                }
            }
            // The median as well as the mean: one round in a slow minute of the VM moves the mean by 10 % or more.
            for (int i = 0; i < counts.length; i++) {
                double[] sorted = rates[i].clone();
                Arrays.sort(sorted);
                double median = rounds % 2 == 1 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
                System.out.printf("spread-mean keys=%d threads=%d %.0f ops/s%n", counts[i], threads,
                        Arrays.stream(rates[i]).average().orElseThrow());
                System.out.printf("spread-median keys=%d threads=%d %.0f ops/s%n", counts[i], threads, median);
            }
        }
    }

    private static double run(Pkcs11Hsm hsm, HsmKeyRef key, int threads, int seconds) throws InterruptedException {
        return run(hsm, List.of(key), threads, seconds);
    }

    /** Encrypt+decrypt pairs of 32 bytes by {@code threads} threads, each pair with a key of {@code keys} drawn at random. */
    private static double run(Pkcs11Hsm hsm, List<HsmKeyRef> keys, int threads, int seconds) throws InterruptedException {
        LongAdder ops = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        byte[] aad = new byte[40];
        for (int i = 0; i < threads; i++) {
            Thread w = new Thread(() -> {
                byte[] pt = new byte[32];
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                    HsmKeyRef key = keys.size() == 1 ? keys.get(0) : keys.get(random.nextInt(keys.size()));
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
