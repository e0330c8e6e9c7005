package coffre.kms.client;

/**
 * The settings of a {@link CoffreCredentials} file or environment are missing or wrong. A setup
 * error, found before any call, so it is checked; the message names the file and key, or the
 * variable, and what is accepted, never a secret.
 */
public final class CredentialsException extends Exception {

    /** @param message names the setting and the problem */
    public CredentialsException(String message) {
        super(message);
    }

    /** @param message names the setting and the problem; @param cause the underlying failure */
    public CredentialsException(String message, Throwable cause) {
        super(message, cause);
    }
}
