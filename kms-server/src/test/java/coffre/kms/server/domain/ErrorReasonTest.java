package coffre.kms.server.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import coffre.kms.server.grpc.ErrorMapping;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ErrorReasonTest {

    @Test
    void domainReasonsAreExactlyTheApiReasons() {
        Set<String> api = Arrays.stream(coffre.kms.v1.ErrorReason.values())
                .filter(r -> r != coffre.kms.v1.ErrorReason.ERROR_REASON_UNSPECIFIED
                        && r != coffre.kms.v1.ErrorReason.UNRECOGNIZED)
                .map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> domain = Arrays.stream(ErrorReason.values()).map(Enum::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(api, domain);
    }

    @Test
    void everyReasonMapsToAnErrorStatus() {
        for (ErrorReason reason : ErrorReason.values()) {
            assertNotEquals(GrpcStatus.OK, ErrorMapping.statusOf(reason), reason.name());
        }
        assertEquals(GrpcStatus.INVALID_ARGUMENT, ErrorMapping.statusOf(ErrorReason.DECRYPTION_FAILED));
        assertEquals(GrpcStatus.FAILED_PRECONDITION, ErrorMapping.statusOf(ErrorReason.KEY_DISABLED));
        assertEquals(GrpcStatus.UNAUTHENTICATED, ErrorMapping.statusOf(ErrorReason.UNAUTHENTICATED_PRINCIPAL));
        assertEquals(GrpcStatus.UNAVAILABLE, ErrorMapping.statusOf(ErrorReason.HSM_UNAVAILABLE));
    }
}
