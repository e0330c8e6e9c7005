package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.client.CoffreClient;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EnvelopeCachingBenchmark} against a real node: prints records/s with and without the
 * data-key cache (not asserted), and checks the one thing that does not depend on timing, the
 * number of calls to Coffre: one GenerateDataKey and one Unwrap per record without a cache, one of
 * each per 100 records with it.
 */
class EnvelopeCachingBenchmarkIT {
    private static final int RECORDS = 2000;

    @TempDir
    Path dir;

    @Test
    void theCacheSavesAllButOneCallIn100() throws Exception {
        try (TestServer node = TestServer.start(dir)) {
            node.createKey(CreateKeyRequest.newBuilder().setAlias("records").build());
            TestPki.Issued identity = node.pki().clientWithUri("benchmark", TestServer.SERVICE);
            try (CoffreClient client = CoffreClient.builder().endpoints("127.0.0.1:" + node.server().port())
                    .tls(node.pki().caFile(), identity.certificate(), identity.privateKey()).build()) {
                EnvelopeCachingBenchmark.run(client, "alias/records", 200, 1024, 100); // warm-up

                List<EnvelopeCachingBenchmark.Result> results =
                        EnvelopeCachingBenchmark.run(client, "alias/records", RECORDS, 1024, 100);

                results.forEach(r -> System.out.println("EnvelopeCachingBenchmark: " + r));
                assertEquals(RECORDS, results.get(0).generateCalls());
                assertEquals(RECORDS, results.get(0).unwrapCalls());
                assertEquals(RECORDS / 100, results.get(1).generateCalls());
                assertEquals(RECORDS / 100, results.get(1).unwrapCalls());
            }
        }
    }
}
