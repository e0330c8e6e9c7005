package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.ListKeysRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-principal request rate, enforced at the edge of a real node. */
class LimitsIT {
    @TempDir
    Path dir;

    @Test
    void aPrincipalOverItsRateGetsResourceExhaustedWithARetryHint() {
        try (TestServer node = TestServer.start(dir, 5, 20)) {
            var keys = node.adminKeys();
            int served = 0;
            Errors.Seen limited = null;
            for (int i = 0; i < 100 && limited == null; i++) {
                try {
                    keys.listKeys(ListKeysRequest.getDefaultInstance());
                    served++;
                } catch (StatusRuntimeException e) {
                    limited = Errors.of(e);
                }
            }
            assertTrue(limited != null, "100 calls at full speed must hit a limit of 5/s with burst 20");
            assertTrue(served >= 19 && served <= 25, "about the burst was served: " + served);
            Errors.Seen seen = limited;
            assertTrue(seen.code() == Status.Code.RESOURCE_EXHAUSTED && seen.reason().equals("RATE_LIMITED"), seen.toString());
            assertTrue(Long.parseLong(seen.metadata().get("retry_after_ms")) > 0);
            // Another principal is not affected.
            node.serviceCrypto();
            Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> node.serviceCrypto().wrap(
                    coffre.kms.v1.WrapRequest.newBuilder().setKeyId("alias/none")
                            .setPlaintext(com.google.protobuf.ByteString.copyFromUtf8("x")).build()));
        }
    }
}
