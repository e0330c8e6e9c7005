package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The envelope could not be decrypted ({@code DECRYPTION_FAILED}): it is damaged or truncated, not
 * an envelope, or the key or encryption context differs from the one it was made with. The server
 * gives one reason for all of these on purpose, so that its answers are no oracle; this type says
 * no more than that.
 */
public class DecryptionFailedException extends InvalidArgumentException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public DecryptionFailedException(Status.Code code, String reason, Map<String, String> metadata,
                                     String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
