package coffre.examples.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.client.CoffreClient;
import coffre.kms.client.envelope.CachingDataKeys;
import coffre.kms.client.envelope.CoffreEnvelope;
import coffre.kms.client.envelope.KmsDataKeys;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example record store over HTTP against a real node (SoftHSM, mTLS): records round-trip, a
 * tampered or moved record is refused, and a small benchmark prints records/s with and without the
 * data-key cache (printed, not asserted; the calls to Coffre are counted and checked).
 */
class RecordStoreIT {
    private static final int RECORDS = 500;

    @TempDir
    static Path dir;
    static TestServer node;
    static CoffreClient coffre;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        node = TestServer.start(dir);
        node.createKey(CreateKeyRequest.newBuilder().setAlias("records").build());
        TestPki.Issued identity = node.pki().clientWithUri("record-store", TestServer.SERVICE);
        coffre = CoffreClient.builder().endpoints("127.0.0.1:" + node.server().port())
                .tls(node.pki().caFile(), identity.certificate(), identity.privateKey()).build();
    }

    @AfterAll
    static void stop() {
        coffre.close();
        node.close();
    }

    private static HttpResponse<byte[]> put(int port, String id, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/records/" + id))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(int port, String id) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/records/" + id)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void recordsRoundTripAndTamperedOrMovedRecordsAreRefused() throws Exception {
        Path records = dir.resolve("plain-store");
        try (RecordStoreServer server = new RecordStoreServer(
                new RecordStore(new CoffreEnvelope(coffre), "alias/records", records), 0)) {
            byte[] order = "order 4711: 3 crates of Comte to Besancon, account 12345678".getBytes(StandardCharsets.UTF_8);
            SecretLedger.record(order);
            int port = server.port();

            assertEquals(204, put(port, "order-4711", order).statusCode());
            assertEquals(204, put(port, "order-4712", new byte[0]).statusCode());
            HttpResponse<byte[]> back = get(port, "order-4711");
            assertEquals(200, back.statusCode());
            assertArrayEquals(order, back.body());
            assertEquals(404, get(port, "order-9").statusCode());
            assertEquals(400, get(port, "..%2Fetc").statusCode());
            // Not plaintext on disk.
            assertEquals(-1, new String(Files.readAllBytes(records.resolve("order-4711.cfen")), StandardCharsets.ISO_8859_1)
                    .indexOf("Comte"));

            Files.copy(records.resolve("order-4711.cfen"), records.resolve("order-4712.cfen"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            HttpResponse<byte[]> moved = get(port, "order-4712");
            byte[] sealed = Files.readAllBytes(records.resolve("order-4711.cfen"));
            sealed[sealed.length - 1] ^= 1;
            Files.write(records.resolve("order-4711.cfen"), sealed);
            HttpResponse<byte[]> tampered = get(port, "order-4711");

            assertEquals(422, moved.statusCode());
            assertEquals("the stored record is damaged: HEADER_AUTHENTICATION_FAILED", text(moved));
            assertEquals(422, tampered.statusCode());
            assertEquals("the stored record is damaged: SEGMENT_AUTHENTICATION_FAILED", text(tampered));
        }
    }

    @Test
    void benchmarkWithAndWithoutTheDataKeyCache() throws Exception {
        KmsDataKeys direct = new KmsDataKeys(coffre);
        KmsDataKeys behindCache = new KmsDataKeys(coffre);
        try (CachingDataKeys cache = CachingDataKeys.builder(behindCache).maxAge(Duration.ofMinutes(5))
                .maxMessagesPerKey(100).build();
             RecordStoreServer plain = new RecordStoreServer(
                     new RecordStore(new CoffreEnvelope(direct), "alias/records", dir.resolve("bench-plain")), 0);
             RecordStoreServer cached = new RecordStoreServer(
                     new RecordStore(new CoffreEnvelope(cache), "alias/records", dir.resolve("bench-cached")), 0)) {
            run(plain.port(), 50); // warm-up
            run(cached.port(), 50);
            long directBefore = direct.generateCalls() + direct.unwrapCalls();
            long cachedBefore = behindCache.generateCalls() + behindCache.unwrapCalls();

            double plainRate = run(plain.port(), RECORDS);
            double cachedRate = run(cached.port(), RECORDS);

            long directCalls = direct.generateCalls() + direct.unwrapCalls() - directBefore;
            long cachedCalls = behindCache.generateCalls() + behindCache.unwrapCalls() - cachedBefore;
            System.out.printf("RecordStore benchmark: %d records of 1 KiB, PUT then GET over HTTP, one client thread%n",
                    RECORDS);
            System.out.printf("RecordStore benchmark: no cache          %7.0f records/s, %5d calls to Coffre%n",
                    plainRate, directCalls);
            System.out.printf("RecordStore benchmark: cache (100/key)   %7.0f records/s, %5d calls to Coffre (%d saved)%n",
                    cachedRate, cachedCalls, directCalls - cachedCalls);
            assertEquals(2L * RECORDS, directCalls);
            assertEquals(2L * RECORDS / 100, cachedCalls);
        }
    }

    /** PUTs then GETs {@code records} records; returns records per second. */
    private static double run(int port, int records) throws Exception {
        Random random = new Random(records);
        byte[] body = new byte[1024];
        long started = System.nanoTime();
        for (int i = 0; i < records; i++) {
            random.nextBytes(body);
            assertEquals(204, put(port, "r" + i, body).statusCode());
            assertArrayEquals(body, get(port, "r" + i).body());
        }
        return records / ((System.nanoTime() - started) / 1e9);
    }
}
