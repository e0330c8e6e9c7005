package coffre.kms.cli.connection;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The connection flags every command that calls the server accepts (a picocli mixin). Fields stay
 * null when a flag is not given, so {@link ConnectionResolver} can fall back to env, file, default.
 */
public final class ConnectionOptions {

    @Option(names = "--endpoint", paramLabel = "HOST:PORT[,HOST:PORT...]", order = 100,
            description = "Server address; for a cluster, every node, comma-separated or repeated: calls go "
                    + "round-robin and fail over to the others (env COFFRE_ENDPOINT, file key endpoint; default "
                    + ConnectionResolver.DEFAULT_ENDPOINT + ").")
    List<String> endpoint;

    @Option(names = "--ca-cert", paramLabel = "FILE", order = 101,
            description = "PEM CA bundle that signed the server certificate (env COFFRE_CA_CERT, file key ca-cert).")
    String caCert;

    @Option(names = "--cert", paramLabel = "FILE", order = 102,
            description = "PEM client certificate for mTLS (env COFFRE_CERT, file key cert).")
    String cert;

    @Option(names = "--client-key", paramLabel = "FILE", order = 103,
            description = "Unencrypted PKCS#8 PEM private key of --cert (env COFFRE_KEY, file key key).")
    String key;

    @Option(names = "--timeout", paramLabel = "SECONDS", order = 104,
            description = "Deadline of each call, 1-" + ConnectionResolver.MAX_TIMEOUT_SECONDS
                    + " (env COFFRE_TIMEOUT, file key timeout; default " + ConnectionResolver.DEFAULT_TIMEOUT_SECONDS + ").")
    String timeout;

    @Option(names = "--authority", paramLabel = "NAME", order = 105,
            description = "TLS authority (server name checked in its certificate) if not the endpoint host "
                    + "(env COFFRE_AUTHORITY, file key authority).")
    String authority;

    @Option(names = "--cli-config", paramLabel = "FILE", order = 106,
            description = "CLI properties file (env " + ConnectionResolver.CONFIG_ENV
                    + "; default ~/.config/coffre/cli.properties). Relative paths in it are resolved against its directory.")
    String cliConfig;

    /** The flags actually given. */
    public ConnectionFlags toFlags() {
        Map<Setting, String> values = new EnumMap<>(Setting.class);
        // Repeated flags and comma lists are one list; Endpoints.parse reports an empty entry.
        putIfGiven(values, Setting.ENDPOINT, endpoint == null ? null : String.join(",", endpoint));
        putIfGiven(values, Setting.CA_CERT, caCert);
        putIfGiven(values, Setting.CERT, cert);
        putIfGiven(values, Setting.KEY, key);
        putIfGiven(values, Setting.TIMEOUT, timeout);
        putIfGiven(values, Setting.AUTHORITY, authority);
        return new ConnectionFlags(values, cliConfig);
    }

    private static void putIfGiven(Map<Setting, String> values, Setting setting, String value) {
        if (value != null) {
            values.put(setting, value);
        }
    }
}
