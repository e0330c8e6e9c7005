package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The server rejected the request as malformed or out of its limits: a missing field, a bad key id,
 * alias, label, policy, grant, officer record, quorum rule, ceremony document, page token or audit
 * query, a plaintext too large, a signature time too far from the server's clock. Nothing was done;
 * {@code metadata().get("field")} often names the field. Bad envelopes are the subclass
 * {@link DecryptionFailedException}.
 */
public class InvalidArgumentException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public InvalidArgumentException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
