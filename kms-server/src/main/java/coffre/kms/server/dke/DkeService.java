package coffre.kms.server.dke;

import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.DkeKeyNames;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The two operations of the protocol, on a worker once the path is known and the token (if any)
 * validated: the key name to its Coffre key (an unmapped name is 404), then the domain through
 * {@link DkeKeys}, whose refusals {@link DkeErrors} maps.
 * <ul>
 *   <li>public key: the primary version's, with {@code kid = <service URL>/<key name>/<version>}
 *       and {@code cache.exp} {@code dke.publicKeyCacheTime} from now (none when zero);</li>
 *   <li>decrypt: the body, then RSA-OAEP-256 under <em>the version the URL names</em>, so documents
 *       protected before a rotation still open; the answer's body holds the plaintext and is
 *       zeroed once written.</li>
 * </ul>
 */
final class DkeService {
    private final DkeKeyNames names;
    private final DkeKeys keys;
    private final String serviceUrl;
    private final Duration cacheTime;
    private final Clock clock;

    DkeService(DkeKeyNames names, DkeKeys keys, String serviceUrl, Duration cacheTime, Clock clock) {
        this.names = names;
        this.keys = keys;
        this.serviceUrl = serviceUrl;
        this.cacheTime = cacheTime;
        this.clock = clock;
    }

    /** A 200 answer's body; for a decrypt, a secret one. */
    SecretBytes handle(DkeRoute route, DkeCaller caller, byte[] body, DkeCallAudit audit) {
        KeyId keyId = names.keyFor(route.keyName())
                .orElseThrow(() -> new DkeException(DkeError.NOT_FOUND, "no such key"));
        audit.key(keyId, route.version());
        try {
            return route.operation() == DkeRoute.Operation.PUBLIC_KEY ? publicKey(route, caller, keyId, audit)
                    : decrypt(route, caller, keyId, body, audit);
        } catch (KmsException e) {
            throw DkeErrors.of(e);
        }
    }

    private SecretBytes publicKey(DkeRoute route, DkeCaller caller, KeyId keyId, DkeCallAudit audit) {
        DkeKeys.PublicKeyVersion key = keys.publicKey(caller == null ? null : caller.principal(),
                caller == null ? null : caller.claims(), keyId);
        audit.key(key.keyId(), key.version());
        Instant expiry = cacheTime.isZero() ? null : clock.instant().plus(cacheTime);
        return SecretBytes.adopt(DkeJson.publicKeyBody(key.key(), kid(route.keyName(), key.version()), expiry));
    }

    private SecretBytes decrypt(DkeRoute route, DkeCaller caller, KeyId keyId, byte[] body, DkeCallAudit audit) {
        DkeJson.DecryptRequest request = DkeJson.parseDecrypt(body);
        try (DkeKeys.Decryption decryption = keys.decrypt(caller.principal(), caller.claims(), keyId, route.version(),
                request.ciphertext())) {
            audit.key(decryption.keyId(), decryption.version());
            return DkeJson.decryptBody(decryption.plaintext());
        }
    }

    /** The key id a client is given, and calls {@code /decrypt} on. */
    String kid(String keyName, int version) {
        return serviceUrl + "/" + keyName + "/" + version;
    }
}
