package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsMeters}: each listener's certificate file gives its expiry, the earliest of the chain's
 * certificates; an unreadable file gives no gauge rather than a wrong one.
 */
class TlsMetersTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double expiry(String listener) {
        return registry.get("coffre.tls.certificate.expiry.timestamp.seconds").tag("listener", listener).gauge().value();
    }

    @Test
    void eachListenerReportsTheEarliestExpiryOfItsChain() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "meters");
        Path server = pki.server("server.pem").certificate();
        Path expired = pki.expiredClientWithCn("old.pem", "old").certificate();
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, Files.readString(server) + Files.readString(expired));
        Path missing = dir.resolve("missing.pem");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");

        TlsMeters.bind(registry, Map.of("grpc", server, "xks", chain, "dke", missing, "metrics", garbage));

        long inTwoDays = Instant.now().plus(Duration.ofDays(2)).getEpochSecond();
        assertTrue(Math.abs(expiry("grpc") - inTwoDays) < 3600, "the test server certificate lasts two days");
        long yesterday = Instant.now().minus(Duration.ofDays(1)).getEpochSecond();
        assertTrue(Math.abs(expiry("xks") - yesterday) < 3600, "the expired certificate of the chain decides");
        assertEquals(2, registry.find("coffre.tls.certificate.expiry.timestamp.seconds").gauges().size(),
                "no gauge for files that hold no certificate");
    }
}
