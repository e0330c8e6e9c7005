package coffre.kms.client.envelope;

import coffre.kms.client.CoffreClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How much data-key caching saves a service that seals many small records: seals and opens the same
 * records through {@link CoffreEnvelope} without a cache and with a {@link CachingDataKeys}, and
 * prints records per second and calls to Coffre for each. Printed, never asserted (timings on a
 * shared machine vary); {@code EnvelopeCachingBenchmarkIT} runs it against a test node, and
 * {@link #main} against any cluster:
 *
 * <pre>
 * java -cp ... coffre.kms.client.envelope.EnvelopeCachingBenchmark ENDPOINTS CA CERT KEY KEY_ID [RECORDS] [RECORD_BYTES]
 * </pre>
 */
public final class EnvelopeCachingBenchmark {

    /** One run: records sealed and opened, its time, and the calls to Coffre. */
    public record Result(String name, int records, double seconds, long generateCalls, long unwrapCalls) {
        double recordsPerSecond() {
            return records / seconds;
        }

        @Override
        public String toString() {
            return String.format("%-32s %6d records  %8.0f records/s (seal + open)  GenerateDataKey %6d  Unwrap %6d",
                    name, records, recordsPerSecond(), generateCalls, unwrapCalls);
        }
    }

    private EnvelopeCachingBenchmark() {
    }

    /** Runs without a cache, then with one bounded at {@code maxMessages} messages per key and 5 minutes. */
    public static List<Result> run(CoffreClient client, String keyId, int records, int recordBytes, long maxMessages)
            throws Exception {
        List<byte[]> plaintexts = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < records; i++) {
            byte[] record = new byte[recordBytes];
            random.nextBytes(record);
            plaintexts.add(record);
        }
        KmsDataKeys direct = new KmsDataKeys(client);
        Result uncached = sealAndOpen("no cache", new CoffreEnvelope(direct), keyId, plaintexts);
        uncached = new Result(uncached.name(), records, uncached.seconds(), direct.generateCalls(), direct.unwrapCalls());

        KmsDataKeys behindCache = new KmsDataKeys(client);
        try (CachingDataKeys cache = CachingDataKeys.builder(behindCache).maxAge(Duration.ofMinutes(5))
                .maxMessagesPerKey(maxMessages).build()) {
            Result cached = sealAndOpen("cache, " + maxMessages + " messages/key", new CoffreEnvelope(cache), keyId,
                    plaintexts);
            cached = new Result(cached.name(), records, cached.seconds(), behindCache.generateCalls(),
                    behindCache.unwrapCalls());
            return List.of(uncached, cached);
        }
    }

    private static Result sealAndOpen(String name, CoffreEnvelope envelope, String keyId, List<byte[]> plaintexts)
            throws EnvelopeException {
        Map<String, String> context = Map.of("service", "benchmark");
        long started = System.nanoTime();
        for (byte[] plaintext : plaintexts) {
            byte[] sealed = envelope.encrypt(keyId, context, plaintext);
            if (!Arrays.equals(plaintext, envelope.decrypt(context, sealed))) {
                throw new IllegalStateException("a record did not round-trip");
            }
        }
        return new Result(name, plaintexts.size(), (System.nanoTime() - started) / 1e9, 0, 0);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: EnvelopeCachingBenchmark ENDPOINTS CA CERT KEY KEY_ID [RECORDS] [RECORD_BYTES]");
            System.exit(2);
        }
        int records = args.length > 5 ? Integer.parseInt(args[5]) : 2000;
        int recordBytes = args.length > 6 ? Integer.parseInt(args[6]) : 1024;
        try (CoffreClient client = CoffreClient.builder().endpoints(args[0])
                .tls(Path.of(args[1]), Path.of(args[2]), Path.of(args[3])).build()) {
            run(client, args[4], records, recordBytes, 100).forEach(System.out::println);
        }
    }
}
