package coffre.kms.server.domain;

import coffre.hsm.HsmException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Turns HSM failures into error reasons. The PKCS#11 code is logged here, on the server, and
 * never reaches the caller.
 */
public final class HsmFailures {
    private static final Logger LOG = System.getLogger(HsmFailures.class.getName());

    private HsmFailures() {
    }

    public static KmsException translate(HsmException e, String operation) {
        return switch (e.kind()) {
            case AUTHENTICATION_FAILED -> KmsException.decryptionFailed();
            case UNAVAILABLE, LOGIN_FAILED -> {
                LOG.log(Level.WARNING, "HSM unavailable during {0}: {1} ({2})", operation, e.getMessage(),
                        e.pkcs11Code().orElse("-"));
                yield new KmsException(ErrorReason.HSM_UNAVAILABLE, "the HSM is unavailable; retry later",
                        java.util.Map.of(), e);
            }
            case KEY_NOT_FOUND, INVALID_REQUEST, INTERNAL -> {
                LOG.log(Level.ERROR, "HSM failure during {0}: {1} ({2})", operation, e.getMessage(),
                        e.pkcs11Code().orElse("-"));
                yield new KmsException(ErrorReason.INTERNAL_ERROR, "internal error", java.util.Map.of(), e);
            }
        };
    }
}
