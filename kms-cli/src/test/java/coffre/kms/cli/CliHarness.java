package coffre.kms.cli;

import coffre.kms.client.ChannelFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs whole {@code coffre} commands in-process through the library entry point, capturing exit
 * code, stdout and stderr. By default the environment names three placeholder PEM files, which
 * is enough for the settings to resolve: the fake channel factories never read them.
 */
final class CliHarness {

    private final ChannelFactory channels;
    private final Map<String, String> env = new HashMap<>();
    private byte[] stdin = new byte[0];
    private PassphrasePrompt prompt = PassphrasePrompt.none();

    CliHarness(ChannelFactory channels, Path dir) throws IOException {
        this.channels = channels;
        env.put("COFFRE_CA_CERT", placeholder(dir, "ca.pem").toString());
        env.put("COFFRE_CERT", placeholder(dir, "client.pem").toString());
        env.put("COFFRE_KEY", placeholder(dir, "client.key").toString());
    }

    /** A factory that fails the test if a command tries to connect. */
    static ChannelFactory mustNotConnect() {
        return settings -> {
            throw new AssertionError("the command connected, but should have failed before: " + settings);
        };
    }

    CliHarness env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    /** Answers passphrase prompts; by default there is no terminal to ask. */
    CliHarness prompt(PassphrasePrompt prompt) {
        this.prompt = prompt;
        return this;
    }

    CliHarness stdin(byte[] bytes) {
        stdin = bytes.clone();
        return this;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream in = new ByteArrayInputStream(stdin);
        int exitCode = CoffreCli.newCommandLine(new CliRuntime(channels, env, in, prompt), new PrintWriter(out, true),
                new PrintWriter(err, true)).execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private static Path placeholder(Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Files.writeString(file, "placeholder, never read by the fake channel factory\n");
        }
        return file;
    }

    /** What a command printed and returned. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
