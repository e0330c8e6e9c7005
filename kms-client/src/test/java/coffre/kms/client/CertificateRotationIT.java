package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.Key;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link CoffreClient} whose certificate files are rotated in place presents the new certificate
 * on its next connection, without a restart: against a real node over real mTLS, the client's
 * files are swapped to a principal the node refuses, then to another it accepts.
 */
class CertificateRotationIT {
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");

    @TempDir
    Path dir;

    private static void rotate(TestPki.Issued to, Path cert, Path key) throws Exception {
        for (Path[] pair : new Path[][] {{to.certificate(), cert}, {to.privateKey(), key}}) {
            Path next = pair[1].resolveSibling(pair[1].getFileName() + ".next");
            Files.copy(pair[0], next, StandardCopyOption.REPLACE_EXISTING);
            Files.move(next, pair[1], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    @Test
    void aRotatedCertificateIsUsedOnTheNextConnection() throws Exception {
        try (TestServer node = TestServer.start(dir.resolve("node"))) {
            Key key = node.createKey();
            TestPki.Issued billing = node.pki().clientWithUri("rot-billing", TestServer.SERVICE);
            TestPki.Issued stranger = node.pki().clientWithUri("rot-stranger", "spiffe://coffre.test/stranger");
            TestPki.Issued billing2 = node.pki().clientWithUri("rot-billing-2", "spiffe://coffre.test/service/billing-2");
            Path cert = dir.resolve("svid.pem");
            Path privateKey = dir.resolve("svid.key");
            Files.copy(billing.certificate(), cert);
            Files.copy(billing.privateKey(), privateKey);

            try (CoffreClient coffre = CoffreClient.builder().endpoints("127.0.0.1:" + node.server().port())
                    .tls(node.pki().caFile(), cert, privateKey).build()) {
                ManagedChannel channel = (ManagedChannel) coffre.channel();
                coffre.wrap(key.getId(), new byte[16], CONTEXT);

                rotate(stranger, cert, privateKey);
                coffre.wrap(key.getId(), new byte[16], CONTEXT); // the open connection keeps its session
                channel.enterIdle();                             // as when a connection ends
                AccessDeniedException refused = assertThrows(AccessDeniedException.class,
                        () -> coffre.wrap(key.getId(), new byte[16], CONTEXT));

                rotate(billing2, cert, privateKey);
                channel.enterIdle();
                String keyId = coffre.wrap(key.getId(), new byte[16], CONTEXT).getKeyId();

                assertEquals("PERMISSION_DENIED", refused.reason());
                assertEquals(key.getId(), keyId);
            }
        }
    }
}
