package coffre.kms.cli.connection;

/**
 * One connection setting and the three names it can be given under: a command-line flag, an
 * environment variable and a key of the CLI properties file.
 *
 * <p>Kept as one closed list so that every error message about a setting can tell the user all
 * the places to fix it, and so that the config file can reject keys it does not know (a typo such
 * as {@code ca_cert} would otherwise be silently ignored and the default used instead).
 */
public enum Setting {
    ENDPOINT("--endpoint", "COFFRE_ENDPOINT", "endpoint", false),
    CA_CERT("--ca-cert", "COFFRE_CA_CERT", "ca-cert", true),
    CERT("--cert", "COFFRE_CERT", "cert", true),
    // Not "--key": wrap and datakey already use --key for the Coffre key they work with.
    KEY("--client-key", "COFFRE_KEY", "key", true),
    TIMEOUT("--timeout", "COFFRE_TIMEOUT", "timeout", false),
    AUTHORITY("--authority", "COFFRE_AUTHORITY", "authority", false);

    private final String flag;
    private final String envVar;
    private final String fileKey;
    private final boolean path;

    Setting(String flag, String envVar, String fileKey, boolean path) {
        this.flag = flag;
        this.envVar = envVar;
        this.fileKey = fileKey;
        this.path = path;
    }

    /** The command-line option, e.g. {@code --ca-cert}. */
    public String flag() {
        return flag;
    }

    /** The environment variable, e.g. {@code COFFRE_CA_CERT}. */
    public String envVar() {
        return envVar;
    }

    /** The key in the CLI properties file, e.g. {@code ca-cert}. */
    public String fileKey() {
        return fileKey;
    }

    /** Whether the value names a file; relative file values from the config file are resolved against its directory. */
    public boolean isPath() {
        return path;
    }

    /** The setting whose file key is {@code key}, or null. */
    static Setting byFileKey(String key) {
        for (Setting s : values()) {
            if (s.fileKey.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
