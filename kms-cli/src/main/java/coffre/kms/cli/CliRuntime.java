package coffre.kms.cli;

import coffre.kms.client.ChannelFactory;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;

/**
 * What commands get from outside instead of reaching for process globals: how to open channels,
 * the environment, standard input and the terminal's passphrase prompt. Standard output and error
 * are the picocli {@code CommandLine}'s writers.
 *
 * @param channels opens the channel to the server
 * @param env environment variables (COFFRE_*, HOME, XDG_CONFIG_HOME); only read
 * @param stdin read by {@code --in -}
 * @param prompt asks for an officer key's passphrase when neither a file nor the environment gives it
 */
public record CliRuntime(ChannelFactory channels, Map<String, String> env, InputStream stdin, PassphrasePrompt prompt) {

    public CliRuntime {
        Objects.requireNonNull(channels, "channels");
        env = Map.copyOf(env);
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(prompt, "prompt");
    }

    /** A runtime that prompts on the process console. */
    public CliRuntime(ChannelFactory channels, Map<String, String> env, InputStream stdin) {
        this(channels, env, stdin, PassphrasePrompt.console());
    }
}
