package coffre.kms.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.function.Executable;

/** Assertions on Coffre's rich gRPC errors, read as a grpc-java client reads them. */
public final class Errors {
    private Errors() {
    }

    /** What a client sees of one error. */
    public record Seen(Status.Code code, String reason, String message, java.util.Map<String, String> metadata) {
    }

    public static Seen expect(Status.Code code, String reason, Executable call) {
        Seen seen = of(assertThrows(StatusRuntimeException.class, call));
        assertEquals(code, seen.code(), "status code");
        assertEquals(reason, seen.reason(), "ErrorInfo.reason");
        return seen;
    }

    public static Seen of(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertNotNull(status, "rich error details missing for " + e.getStatus());
        assertEquals(e.getStatus().getCode().value(), status.getCode(), "details carry the same code");
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = detail.unpack(ErrorInfo.class);
                    assertEquals("kms.coffre.fr", info.getDomain());
                    return new Seen(e.getStatus().getCode(), info.getReason(), status.getMessage(),
                            info.getMetadataMap());
                } catch (InvalidProtocolBufferException ex) {
                    throw new AssertionError(ex);
                }
            }
        }
        throw new AssertionError("no ErrorInfo in " + status);
    }
}
