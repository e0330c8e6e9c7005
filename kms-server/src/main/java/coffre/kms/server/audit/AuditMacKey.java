package coffre.kms.server.audit;

import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;
import coffre.kms.server.cluster.ClusterLock;
import coffre.kms.server.cluster.SharedHsmKeys;

/**
 * The HSM key that signs audit checkpoints: an HMAC-SHA-256 key generated inside the HSM, never
 * extractable, shared by every node of a deployment under one label. Found (or created, once for
 * the deployment: {@link SharedHsmKeys}) on first use, so that a node whose HSM is briefly away at
 * start still starts and checkpoints later.
 */
public final class AuditMacKey {
    public static final String LABEL = "coffre:audit-mac";

    private final Hsm hsm;
    private final SharedHsmKeys shared;
    private volatile HsmKeyRef key;

    /** For a single node: the key is created, if missing, under a lock of this JVM only. */
    public AuditMacKey(Hsm hsm) {
        this(hsm, ClusterLock.LOCAL);
    }

    /** @param lock held by one node of the deployment at a time while the key is created */
    public AuditMacKey(Hsm hsm, ClusterLock lock) {
        this.hsm = hsm;
        this.shared = new SharedHsmKeys(hsm, lock);
    }

    /** HMAC-SHA-256 of {@code data} inside the HSM. */
    public byte[] mac(byte[] data) {
        return hsm.hmacSha256(key(), data);
    }

    private HsmKeyRef key() {
        HsmKeyRef found = key;
        if (found == null) {
            synchronized (this) {
                found = key;
                if (found == null) {
                    found = shared.macKey(LABEL);
                    key = found;
                }
            }
        }
        return found;
    }
}
