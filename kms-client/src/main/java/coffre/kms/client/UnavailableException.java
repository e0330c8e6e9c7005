package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The call did not complete, and trying again later may work: a node could not serve it (its HSM,
 * metadata store or audit log is unavailable), no node could be reached or the TLS handshake failed
 * (no {@link #reason()} then: no Coffre node answered), the deadline passed, or the call was
 * cancelled.
 *
 * <p>{@link CoffreClient} already retried the calls that are safe to repeat within the deadline
 * ({@link ClientServiceConfig}). A change that failed this way may still have been applied.
 */
public class UnavailableException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public UnavailableException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
