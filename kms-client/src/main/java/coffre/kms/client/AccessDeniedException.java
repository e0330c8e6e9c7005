package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The server would not let this caller do this: no usable client certificate
 * ({@code UNAUTHENTICATED_PRINCIPAL}), a principal the key's policy or grants do not allow
 * ({@code PERMISSION_DENIED}, {@code CONTEXT_NOT_ALLOWED}: the encryption context lacks a required
 * pair), or an officer's signature refused ({@code INVALID_SIGNATURE}, {@code OFFICER_NOT_ACTIVE},
 * {@code SELF_APPROVAL}). Retrying the same call does not help.
 */
public class AccessDeniedException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public AccessDeniedException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
