package coffre.kms.server.crypto;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.LiveKey;

/**
 * How the data plane names a key back to its caller, so that a key that does not exist and a key
 * the caller may not use get the same answer: {@link ErrorReason#PERMISSION_DENIED} with the same
 * message, the key as the caller named it (never its id behind an alias); the audit log records
 * the truth. Shared by {@link CryptoOperations} and {@link AsymmetricOperations}.
 */
final class KeyNaming {
    private KeyNaming() {
    }

    /** The key {@code reference} names, or the refusal a forbidden key would get. */
    static LiveKey resolve(KeyRegistry registry, Principal caller, DataOperation operation, KeyReference reference) {
        try {
            return registry.resolve(reference);
        } catch (KmsException e) {
            if (e.reason() == ErrorReason.KEY_NOT_FOUND) {
                throw refused(caller, operation, describe(reference), ErrorReason.KEY_NOT_FOUND);
            }
            throw e;
        }
    }

    /** One answer for "no such key" and "not yours", recording {@code actual} in the audit log. */
    static KmsException refused(Principal caller, DataOperation operation, String named, ErrorReason actual) {
        return KmsException.disguised(ErrorReason.PERMISSION_DENIED, actual, "key " + named
                + " does not exist or principal " + caller + " may not perform " + operation + " with it");
    }

    static String describe(KeyReference reference) {
        return switch (reference) {
            case KeyReference.ById byId -> byId.id().value();
            case KeyReference.ByAlias byAlias -> Alias.PREFIX + byAlias.alias().value();
        };
    }
}
