package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code coffre} builds only the command tree a call runs (start time); whatever the call, it must
 * behave as with every command built: same exit code, same output, same errors.
 */
class CommandLineForOneCallTest {

    private static final CliRuntime OFFLINE = new CliRuntime(CliHarness.mustNotConnect(), Map.of(),
            java.io.InputStream.nullInputStream(), PassphrasePrompt.none());

    @Test
    void aNamedCommandGetsOnlyItsOwnTree() {
        CommandLine oneCall = CoffreCli.newCommandLine(OFFLINE, sink(), sink(), new String[] {"wrap", "--help"});
        CommandLine every = CoffreCli.newCommandLine(OFFLINE, sink(), sink());

        assertEquals(List.of("wrap"), List.copyOf(oneCall.getSubcommands().keySet()));
        CommandLine branch = CoffreCli.newCommandLine(OFFLINE, sink(), sink(), new String[] {"keys", "list"});
        assertEquals(List.of("keys"), List.copyOf(branch.getSubcommands().keySet()));
        assertEquals(List.of("list"), List.copyOf(branch.getSubcommands().get("keys").getSubcommands().keySet()));
        assertEquals(List.of("keys", "wrap", "unwrap", "datakey", "rewrap", "decrypt", "sign", "verify", "grants", "audit",
                "approvals", "officer", "officers", "quorum", "ceremony", "xks", "dke", "help"),
                List.copyOf(every.getSubcommands().keySet()));
    }

    static Stream<Arguments> calls() {
        return Stream.of(
                Arguments.of((Object) new String[] {"--help"}),
                Arguments.of((Object) new String[] {"help", "wrap"}),
                Arguments.of((Object) new String[] {"keys", "list", "--help"}),
                Arguments.of((Object) new String[] {"keys", "lst"}),
                Arguments.of((Object) new String[] {"kyes", "list"}),
                Arguments.of((Object) new String[] {"-o", "json", "keys", "list"}),
                Arguments.of((Object) new String[] {"wrap", "--keyy", "alias/x", "--plaintext-b64", "AAAA"}),
                Arguments.of((Object) new String[] {"ceremony", "--help"}),
                Arguments.of((Object) new String[] {"keys", "--help"}),
                Arguments.of((Object) new String[] {"keys"}),
                Arguments.of((Object) new String[] {"keys", "show"}),
                Arguments.of((Object) new String[] {"keys", "list", "--pagesize", "5"}),
                Arguments.of((Object) new String[] {"keys", "list", "-V"}),
                Arguments.of((Object) new String[] {"keys", "-o", "json", "list"}),
                Arguments.of((Object) new String[] {"audit", "query", "--help"}),
                Arguments.of((Object) new String[] {"ceremony", "init", "doc"}),
                Arguments.of((Object) new String[] {"approvals", "show", "42"}),
                Arguments.of((Object) new String[] {"officers", "suspend", "carol", "-o", "raw"}),
                Arguments.of((Object) new String[] {"xks", "stores", "show", "Not A Name"}),
                Arguments.of((Object) new String[] {"xks", "keys", "--help"}),
                Arguments.of((Object) new String[] {}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void behavesAsWithEveryCommandBuilt(String[] args) {
        StringWriter oneOut = new StringWriter();
        StringWriter oneErr = new StringWriter();
        int one = CoffreCli.newCommandLine(OFFLINE, new PrintWriter(oneOut, true), new PrintWriter(oneErr, true), args)
                .execute(args);
        StringWriter allOut = new StringWriter();
        StringWriter allErr = new StringWriter();
        int all = CoffreCli.newCommandLine(OFFLINE, new PrintWriter(allOut, true), new PrintWriter(allErr, true))
                .execute(args);

        assertEquals(all, one);
        assertEquals(allOut.toString(), oneOut.toString());
        assertEquals(allErr.toString(), oneErr.toString());
    }

    private static PrintWriter sink() {
        return new PrintWriter(new StringWriter());
    }
}
