package coffre.kms.server.audit;

import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;

/**
 * The HSM key that signs audit checkpoints: an HMAC-SHA-256 key generated inside the HSM, never
 * extractable, shared by every node of a deployment under one label. Found (or created) on first
 * use, so that a node whose HSM is briefly away at start still starts and checkpoints later.
 */
public final class AuditMacKey {
    public static final String LABEL = "coffre:audit-mac";

    private final Hsm hsm;
    private volatile HsmKeyRef key;

    public AuditMacKey(Hsm hsm) {
        this.hsm = hsm;
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
                    found = hsm.findMacKey(LABEL).orElseGet(() -> hsm.generateMacKey(LABEL));
                    key = found;
                }
            }
        }
        return found;
    }
}
