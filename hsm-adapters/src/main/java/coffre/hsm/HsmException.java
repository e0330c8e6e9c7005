package coffre.hsm;

import java.util.Optional;

/**
 * A failure of an HSM operation. The message never holds key material, PINs, plaintext or raw
 * PKCS#11 codes meant for clients; {@link #pkcs11Code()} keeps the CKR name for server logs.
 */
public final class HsmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final HsmErrorKind kind;
    private final String pkcs11Code;

    public HsmException(HsmErrorKind kind, String message, String pkcs11Code, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.pkcs11Code = pkcs11Code;
    }

    public HsmException(HsmErrorKind kind, String message) {
        this(kind, message, null, null);
    }

    public HsmErrorKind kind() {
        return kind;
    }

    /** The PKCS#11 return code name (e.g. {@code CKR_DEVICE_ERROR}), when the failure came from one. */
    public Optional<String> pkcs11Code() {
        return Optional.ofNullable(pkcs11Code);
    }
}
