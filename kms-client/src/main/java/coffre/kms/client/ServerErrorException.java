package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The server failed unexpectedly ({@code INTERNAL_ERROR}); its log has the details, the client gets
 * none on purpose.
 */
public class ServerErrorException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public ServerErrorException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
