package coffre.kms.server.approval;

import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.signing.OfficerKeys;
import java.time.Instant;
import java.util.Objects;

/**
 * A registered key officer: who they are, the key they sign with, and whether their signatures
 * and votes count now.
 *
 * <p>The public key stays the {@link OfficerPublicKey} message of the signed documents that
 * brought the officer in (the init ceremony's document, an approved add-officer operation): it is
 * what officers signed and what {@link OfficerKeys} verifies with. {@code fingerprint} is the one
 * recorded at registration; {@link #withCanonicalFingerprint} gives the canonical one to show.
 *
 * @param principal the officer's mTLS principal if they also call the API (their own requests
 *                  cannot count their approval), else empty
 */
public record OfficerRecord(String id, String displayName, String operator, String principal,
                            OfficerPublicKey publicKey, Status status, String fingerprint, Instant createTime) {

    /** Whether an officer's signatures and votes count. */
    public enum Status {
        ACTIVE,
        /** By one officer's act-now signature, until officers approve reinstating them. */
        SUSPENDED,
        /** By approval; for good. */
        REMOVED
    }

    public OfficerRecord {
        // The text fields come from messages, which never hold null.
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createTime, "createTime");
    }

    /**
     * The officer that a signed document proposes, as registered at {@code at}: active, with the
     * fingerprint of its key. Nothing is checked here (see {@link OfficerRules#validate}).
     */
    public static OfficerRecord admitted(coffre.kms.v1.Officer proposed, Instant at) {
        return new OfficerRecord(proposed.getId(), proposed.getDisplayName(), proposed.getOperator(),
                proposed.getPrincipal(), proposed.getPublicKey(), Status.ACTIVE,
                OfficerKeys.fingerprint(proposed.getPublicKey()), at);
    }

    public boolean isActive() {
        return status == Status.ACTIVE;
    }

    public OfficerRecord withStatus(Status newStatus) {
        return new OfficerRecord(id, displayName, operator, principal, publicKey, newStatus, fingerprint, createTime);
    }

    /** The same officer showing the fingerprint of its key as computed now (canonical), not as recorded. */
    public OfficerRecord withCanonicalFingerprint() {
        return new OfficerRecord(id, displayName, operator, principal, publicKey, status,
                OfficerKeys.fingerprint(publicKey), createTime);
    }
}
