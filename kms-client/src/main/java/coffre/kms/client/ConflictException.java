package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The request clashes with what exists or with a concurrent change: an alias or officer that
 * already exists, an officer voting twice ({@code DUPLICATE_VOTE}), or a key changed by another
 * request at the same time ({@code CONCURRENT_MODIFICATION}: read it again and retry).
 */
public class ConflictException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public ConflictException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
