package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.Key;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.dataPlaneTimeout}: an HSM that stops answering never holds a caller longer; the
 * caller gets {@code HSM_UNAVAILABLE} at the deadline (audited as FAILED), and calls succeed again
 * once the HSM answers.
 */
class DataPlaneDeadlineIT {
    @TempDir
    Path dir;

    @Test
    void aStalledHsmIsAnsweredUnavailableAtTheDeadlineThenServedAgain() {
        try (TestServer node = TestServer.startStalling(dir, Duration.ofMillis(800))) {
            Key key = node.createKey();
            WrapRequest wrap = WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFromUtf8("x")).build();
            node.serviceCrypto().wrap(wrap);

            node.stallingHsm().stall();
            long started = System.nanoTime();
            Errors.expect(Status.Code.UNAVAILABLE, "HSM_UNAVAILABLE", () -> node.serviceCrypto().wrap(wrap));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis >= 700 && millis < 5_000, "answered at the deadline, not later: " + millis + " ms");
            node.stallingHsm().resume();

            node.serviceCrypto().wrap(wrap);
            List<AuditEvent> wraps = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                    .setType("WRAP").setPageSize(100).build()).getEventsList();
            assertEquals(1, wraps.stream().filter(e -> e.getDecision().equals("FAILED")
                    && e.getReason().equals("HSM_UNAVAILABLE")).count(), wraps.toString());
        }
    }
}
