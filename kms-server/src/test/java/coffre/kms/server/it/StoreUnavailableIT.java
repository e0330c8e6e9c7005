package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.ListApprovalRequestsRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeGrantRequest;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that fails under the approval engine or the grants (here: their table taken away) is
 * reported as {@code UNAVAILABLE} / {@code STORE_UNAVAILABLE}, retryable, never as an internal
 * error, and turns readiness off at once; the same calls work again once the store is back,
 * without a restart.
 */
class StoreUnavailableIT {
    @TempDir
    Path dir;

    private TestServer node;

    @BeforeEach
    void start() {
        node = TestServer.start(dir);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl(), "coffre", "");
             Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    private ServingStatus health() {
        return HealthGrpc.newBlockingStub(node.adminChannel()).withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    @Test
    void approvalAndGrantStoreFailuresAreUnavailable() throws SQLException {
        ListApprovalRequestsRequest list = ListApprovalRequestsRequest.getDefaultInstance();
        node.adminApprovals().listApprovalRequests(list);
        String grantId = "grt-aaaaaaaaaaaaaaaaaaaaaaaaaa";
        Operation revoke = Operation.newBuilder().setRevokeGrant(GrantOperation.newBuilder().setGrantId(grantId)).build();

        sql("ALTER TABLE kms_approval RENAME TO kms_approval_away");
        sql("ALTER TABLE kms_grant RENAME TO kms_grant_away");
        try {
            Errors.expect(Status.Code.UNAVAILABLE, "STORE_UNAVAILABLE",
                    () -> node.adminApprovals().listApprovalRequests(list));
            // At once, not at the next deep check (which would find the database answering).
            assertEquals(ServingStatus.NOT_SERVING, health(), "readiness after a failed store call");
            // An unknown grant id is looked up in the store (it may have been made on another node).
            Errors.expect(Status.Code.UNAVAILABLE, "STORE_UNAVAILABLE", () -> node.adminKeys().revokeGrant(
                    RevokeGrantRequest.newBuilder().setGrantId(grantId)
                            .setSignature(node.officers().get("alice").actNow(revoke, node.now())).build()));
        } finally {
            sql("ALTER TABLE kms_approval_away RENAME TO kms_approval");
            sql("ALTER TABLE kms_grant_away RENAME TO kms_grant");
        }
        assertEquals(0, node.adminApprovals().listApprovalRequests(list).getRequestsCount());
        coffre.kms.server.testing.ClusterCalls.await("SERVING again once a deep check reaches the store",
                java.time.Duration.ofSeconds(30), () -> health() == ServingStatus.SERVING);
        Errors.expect(Status.Code.NOT_FOUND, "GRANT_NOT_FOUND", () -> node.adminKeys().revokeGrant(
                RevokeGrantRequest.newBuilder().setGrantId(grantId)
                        .setSignature(node.officers().get("alice").actNow(revoke, node.now().plusSeconds(1))).build()));
    }
}
