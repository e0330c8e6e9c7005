package coffre.kms.server.cluster;

import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;
import java.util.Optional;
import java.util.function.Function;

/**
 * The HSM keys every node of a deployment shares under one fixed label (the audit checkpoint key,
 * the health key): found if the token has one, else created once for the whole deployment. The
 * creation happens under a {@link ClusterLock}, and the token is searched again inside it, so nodes
 * that start together on a fresh token make one object, not one each under the same label.
 */
public final class SharedHsmKeys {
    private final Hsm hsm;
    private final ClusterLock lock;

    public SharedHsmKeys(Hsm hsm, ClusterLock lock) {
        this.hsm = hsm;
        this.lock = lock;
    }

    /** The AES key under {@code label}, created if the token has none. */
    public HsmKeyRef aesKey(String label) {
        return findOrCreate(label, hsm::findKey, hsm::generateKey);
    }

    /** The HMAC-SHA-256 key under {@code label}, created if the token has none. */
    public HsmKeyRef macKey(String label) {
        return findOrCreate(label, hsm::findMacKey, hsm::generateMacKey);
    }

    private HsmKeyRef findOrCreate(String label, Function<String, Optional<HsmKeyRef>> find,
                                   Function<String, HsmKeyRef> create) {
        Optional<HsmKeyRef> found = find.apply(label);
        if (found.isPresent()) {
            return found.get();
        }
        // Searched again under the lock: another node may have made it while this one looked.
        return lock.holding("hsm-key:" + label, () -> find.apply(label).orElseGet(() -> create.apply(label)));
    }
}
