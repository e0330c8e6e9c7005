package coffre.kms.cli.officerkeys;

/** An officer key file or public key file whose content is unusable; the message says why, never a secret. */
public final class KeyFileException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeyFileException(String message) {
        super(message);
    }

    public KeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
