package coffre.kms.server.keystores;

import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.kms.server.domain.HsmFailures;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;

/**
 * Makes and discards SigV4 credentials for {@link ExternalKeyStores}, in the one order that never
 * leaves a secret behind: the secret is generated (from a generator the HSM's RNG seeds), imported
 * into the HSM as {@code "AWS4" + secret} and zeroed there; the pending credential is stored; only
 * then is the secret handed to the caller. A failure at any step destroys what the earlier ones made.
 */
final class CredentialIssuer {
    private static final Logger LOG = System.getLogger(CredentialIssuer.class.getName());

    private final Hsm hsm;
    private final ExternalKeyStoreRepository repository;
    private final KeyStoreRegistry registry;
    private final CredentialKeys keys;
    private final Clock clock;

    CredentialIssuer(Hsm hsm, ExternalKeyStoreRepository repository, KeyStoreRegistry registry, CredentialKeys keys,
                     Clock clock) {
        this.hsm = hsm;
        this.repository = repository;
        this.registry = registry;
        this.keys = keys;
        this.clock = clock;
    }

    /** Now, in microseconds: what both databases keep, so a stored time reads back equal. */
    static Instant now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** Makes a credential: secret into the HSM, pending row in the store, secret to the caller. */
    NewCredential issue(String keyStoreId, String uriPath, SecureRandom random) {
        String accessKeyId = XksCredentialRules.newAccessKeyId(random);
        char[] secret = XksCredentialRules.newSecret(random);
        byte[] aws4Key = XksCredentialRules.aws4Key(secret);
        try {
            keys.importKey(accessKeyId, aws4Key);
        } catch (HsmException e) {
            Arrays.fill(secret, '\0');
            throw HsmFailures.translate(e, "import of an XKS credential");
        } finally {
            Arrays.fill(aws4Key, (byte) 0);
        }
        try {
            registry.write(keyStoreId, () -> {
                repository.insertCredential(new XksCredential(keyStoreId, accessKeyId, XksCredential.State.PENDING, now(clock)));
                return null;
            });
        } catch (RuntimeException e) {
            Arrays.fill(secret, '\0');
            destroyKey(accessKeyId);
            throw e;
        }
        LOG.log(Level.INFO, "credential {0} of external key store {1} made, pending approval", accessKeyId, keyStoreId);
        return new NewCredential(keyStoreId, accessKeyId, uriPath, secret);
    }

    void discardPending(String keyStoreId, String accessKeyId) {
        if (registry.write(keyStoreId, () -> repository.deletePendingCredential(keyStoreId, accessKeyId))) {
            LOG.log(Level.INFO, "pending credential {0} of external key store {1} discarded", accessKeyId, keyStoreId);
        }
        destroyKey(accessKeyId);
    }

    /** Destroys a credential's HSM key; a failure is logged, never thrown: the credential no longer works anyway. */
    void destroyKey(String accessKeyId) {
        try {
            keys.destroy(accessKeyId);
        } catch (HsmException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "the HSM key {0} of an unusable XKS credential could not be destroyed now: {1}",
                    CredentialKeys.label(accessKeyId), e.toString());
        }
    }

    /** A fresh generator whose seed the HSM's RNG supplements (credentials are made rarely). */
    SecureRandom hsmSeededRandom() {
        SecureRandom random = new SecureRandom();
        try {
            random.setSeed(hsm.randomBytes(32));
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "random bytes for an XKS credential");
        }
        return random;
    }
}
