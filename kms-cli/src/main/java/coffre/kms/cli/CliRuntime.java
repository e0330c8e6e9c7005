package coffre.kms.cli;

import coffre.kms.cli.connection.ChannelFactory;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;

/**
 * What commands get from outside instead of reaching for process globals: how to open channels,
 * the environment, and standard input. Standard output and error are the picocli
 * {@code CommandLine}'s writers.
 *
 * @param channels opens the channel to the server
 * @param env environment variables (COFFRE_*, HOME, XDG_CONFIG_HOME); only read
 * @param stdin read by {@code --in -}
 */
public record CliRuntime(ChannelFactory channels, Map<String, String> env, InputStream stdin) {

    public CliRuntime {
        Objects.requireNonNull(channels, "channels");
        env = Map.copyOf(env);
        Objects.requireNonNull(stdin, "stdin");
    }
}
