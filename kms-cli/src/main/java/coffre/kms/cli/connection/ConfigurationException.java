package coffre.kms.cli.connection;

/**
 * A connection setting is missing or invalid. The message is meant for the user as is: it names
 * the setting, where the bad value came from, and how to set it. The CLI reports it as a usage
 * error (exit code 2).
 */
public final class ConfigurationException extends Exception {

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
