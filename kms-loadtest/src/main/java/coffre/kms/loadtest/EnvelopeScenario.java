package coffre.kms.loadtest;

import coffre.kms.client.CoffreClient;
import coffre.kms.client.envelope.CachingDataKeys;
import coffre.kms.client.envelope.CoffreEnvelope;
import coffre.kms.client.envelope.KmsDataKeys;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load tool's data-key caching scenario (issue 22, {@code --envelope-cache}): threads seal
 * records with {@link CoffreEnvelope}, first with a data key from Coffre for every record
 * ({@link KmsDataKeys}), then through {@link CachingDataKeys} with the given bounds, and the tool
 * prints records/s and the KMS calls each way made. This is what a service sealing many small
 * records gains from the cache; the usual per-call report measures Coffre itself.
 *
 * <p>Records are {@code --payload-size} random bytes under one of four encryption contexts (one
 * per "tenant", as a service keeps one per tenant), so the cache holds four data keys per key.
 */
final class EnvelopeScenario {
    static final int TENANTS = 4;

    /** One phase's outcome: records sealed, seconds taken, {@code GenerateDataKey} calls made, errors. */
    record Phase(String name, long records, double seconds, long kmsCalls, long errors) {
        double recordsPerSecond() {
            return seconds > 0 ? records / seconds : 0;
        }
    }

    private final CoffreClient client;
    private final String keyId;
    private final int payloadBytes;
    private final int threads;
    private final RunLimit limit;

    EnvelopeScenario(CoffreClient client, String keyId, int payloadBytes, int threads, RunLimit limit) {
        this.client = client;
        this.keyId = keyId;
        this.payloadBytes = payloadBytes;
        this.threads = threads;
        this.limit = limit;
    }

    /** Both phases, without then with the cache. */
    List<Phase> run(EnvelopeCacheOption cache) throws InterruptedException {
        KmsDataKeys direct = new KmsDataKeys(client);
        Phase uncached = phase("no cache", new CoffreEnvelope(direct), direct);
        KmsDataKeys behindCache = new KmsDataKeys(client);
        try (CachingDataKeys caching = CachingDataKeys.builder(behindCache).maxAge(cache.maxAge())
                .maxMessagesPerKey(cache.maxMessages()).build()) {
            Phase cached = phase("cache " + cache, new CoffreEnvelope(caching), behindCache);
            return List.of(uncached, cached);
        }
    }

    private Phase phase(String name, CoffreEnvelope envelope, KmsDataKeys calls) throws InterruptedException {
        AtomicLong started = new AtomicLong();
        AtomicLong sealed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long deadline = limit.deadline(start);
        long maxRecords = limit.maxCalls();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Map<String, String> context = Map.of("tenant", "tenant-" + (t % TENANTS));
            workers.add(Thread.ofPlatform().name("envelope-" + t).start(() -> {
                byte[] record = new byte[payloadBytes];
                while (System.nanoTime() < deadline && started.incrementAndGet() <= maxRecords) {
                    ThreadLocalRandom.current().nextBytes(record);
                    try {
                        envelope.encrypt(keyId, context, record);
                        sealed.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Phase(name, sealed.get(), seconds, calls.generateCalls(), errors.get());
    }

    /** The phases as text lines, or as one JSON object when {@code json}. */
    static void print(List<Phase> phases, int payloadBytes, int threads, boolean json, PrintStream out) {
        if (json) {
            StringBuilder s = new StringBuilder("{\"envelopeScenario\":{\"payloadBytes\":" + payloadBytes
                    + ",\"threads\":" + threads + ",\"phases\":[");
            for (int i = 0; i < phases.size(); i++) {
                Phase p = phases.get(i);
                s.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"name\":\"%s\",\"records\":%d,\"seconds\":%.3f,\"recordsPerSecond\":%.1f,\"kmsCalls\":%d,"
                                + "\"errors\":%d}", p.name(), p.records(), p.seconds(), p.recordsPerSecond(),
                        p.kmsCalls(), p.errors()));
            }
            out.println(s.append("]}}"));
            return;
        }
        out.printf(Locale.ROOT, "envelope scenario: records of %d bytes sealed with CoffreEnvelope by %d threads%n",
                payloadBytes, threads);
        for (Phase p : phases) {
            out.printf(Locale.ROOT, "  %-22s %,10d records in %.1f s = %,10.1f records/s; KMS calls %,d; errors %,d%n",
                    p.name() + ":", p.records(), p.seconds(), p.recordsPerSecond(), p.kmsCalls(), p.errors());
        }
    }
}
