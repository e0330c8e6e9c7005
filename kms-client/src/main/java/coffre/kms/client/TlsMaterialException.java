package coffre.kms.client;

/**
 * The client's TLS material cannot be loaded: a PEM file is missing, unreadable or malformed, or
 * the key is encrypted or does not match the certificate. A setup error, found before any call is
 * made, so it is checked: the caller decides how to report it (the CLI as a usage error).
 *
 * <p>The message names the three files and what went wrong, never the files' contents.
 */
public final class TlsMaterialException extends Exception {

    /**
     * @param message for the user as is: names the files and the problem
     * @param cause the TLS library's own failure
     */
    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
