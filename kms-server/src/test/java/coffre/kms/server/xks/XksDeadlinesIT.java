package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.path;
import static coffre.kms.server.xks.XksFixture.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.kms.server.testing.StallingHsm;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server-side errors of the spec's table on a real node whose SoftHSM can stall or fail: an
 * HSM that does not answer is 503 DependencyTimeoutException at {@code xks.requestTimeout} (never
 * a hang past AWS's 250 ms), a saturated node answers 429 ThrottlingException at once rather than
 * queueing, an HSM that fails is 503 (unavailable: retry elsewhere) or 500 InternalException.
 */
class XksDeadlinesIT {
    private static final Duration DEADLINE = Duration.ofMillis(200);
    @TempDir
    static Path dir;
    static XksFixture xks;
    static XksTestClient client;

    @BeforeAll
    static void start() {
        xks = XksFixture.start(dir, DEADLINE, 1);
        xks.mappedKey("foo");
        client = xks.client(HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() {
        xks.close();
    }

    @AfterEach
    void heal() {
        xks.stores.storeDown = false;
        StallingHsm hsm = xks.node.stallingHsm();
        hsm.failWith(null);
        hsm.resume();
    }

    private static XksTestClient.Response encrypt() {
        return client.post(path("foo", "encrypt"), xks.signer(), encryptBody(requestId(), new byte[32], null, false));
    }

    private static void expect(int status, String errorName, XksTestClient.Response response) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.isError(errorName), "expected " + errorName + ": " + response.body());
    }

    @Test
    void aStalledHsmIsADependencyTimeoutWithinTheDeadlineAndASaturatedNodeThrottles() throws Exception {
        assertEquals(200, encrypt().status(), "warm");
        xks.node.stallingHsm().stall();
        long started = System.nanoTime();
        CompletableFuture<XksTestClient.Response> stalled = CompletableFuture.supplyAsync(XksDeadlinesIT::encrypt);
        Thread.sleep(50);
        expect(429, "ThrottlingException", encrypt());
        XksTestClient.Response timedOut = stalled.get();
        long tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        expect(503, "DependencyTimeoutException", timedOut);
        assertTrue(tookMillis < DEADLINE.toMillis() + 600, "answered at its deadline, not when the HSM came back: "
                + tookMillis + " ms");
        expect(429, "ThrottlingException", encrypt());
        xks.node.stallingHsm().resume();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        XksTestClient.Response after = encrypt();
        while (after.status() == 429 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            after = encrypt();
        }
        assertEquals(200, after.status(), "the slot is given back once the HSM answers: " + after.body());
    }

    @Test
    void aStoreThatCannotAnswerIsAnInternalErrorCountedAsAStoreError() throws Exception {
        assertEquals(200, encrypt().status(), "warm");
        double before = storeErrors();
        xks.stores.storeDown = true;

        expect(500, "InternalException", encrypt());

        assertEquals(before + 1, storeErrors(), "coffre_store_errors_total counts the XKS call too");
        xks.stores.storeDown = false;
        assertEquals(200, encrypt().status());
    }

    /** coffre_store_errors_total in the node's /metrics. */
    private static double storeErrors() throws Exception {
        String text = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + xks.node.metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(line -> line.startsWith("coffre_store_errors_total "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no coffre_store_errors_total in /metrics"));
    }

    @Test
    void anUnavailableHsmIsADependencyTimeoutAndAFailingOneAnInternalError() {
        xks.node.stallingHsm().failWith(HsmErrorKind.UNAVAILABLE);
        expect(503, "DependencyTimeoutException", encrypt());
        xks.node.stallingHsm().failWith(HsmErrorKind.INTERNAL);
        expect(500, "InternalException", encrypt());
        xks.node.stallingHsm().failWith(null);
        assertEquals(200, encrypt().status());
    }
}
