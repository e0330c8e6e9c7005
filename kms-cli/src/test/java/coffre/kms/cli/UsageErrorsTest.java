package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every bad command line ends with exit code 2, the precise reason on stderr, nothing on stdout,
 * and no connection attempt.
 */
class UsageErrorsTest {

    @TempDir
    Path dir;

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                // command structure
                Arguments.of("no command", new String[] {}, "error: Missing required subcommand"),
                Arguments.of("no keys subcommand", new String[] {"keys"}, "error: Missing required subcommand"),
                Arguments.of("unknown subcommand", new String[] {"keys", "lst"}, "Did you mean: keys list?"),
                Arguments.of("unknown option", new String[] {"keys", "list", "--pagesize", "5"},
                        "Possible solutions: --page-size, --page-token"),
                // KEY arguments
                Arguments.of("show without KEY", new String[] {"keys", "show"}, "Missing required parameter: 'KEY'"),
                Arguments.of("show bare alias", new String[] {"keys", "show", "billing"},
                        "'billing' is neither a key id (key-...) nor an alias (alias/<name>)"),
                Arguments.of("rotate empty alias", new String[] {"keys", "rotate", "alias/"},
                        "'alias/' is neither a key id"),
                Arguments.of("disable bare prefix", new String[] {"keys", "disable", "key-"}, "'key-' is neither a key id"),
                Arguments.of("enable two keys", new String[] {"keys", "enable", "key-a", "key-b"}, "Unmatched argument at index 3: 'key-b'"),
                Arguments.of("cancel-deletion without KEY", new String[] {"keys", "cancel-deletion"}, "Missing required parameter: 'KEY'"),
                // numeric bounds
                Arguments.of("days too small", new String[] {"keys", "schedule-deletion", "key-a", "--days", "6"},
                        "Invalid value for option '--days': 6 is not allowed; expected 7-30"),
                Arguments.of("days too large", new String[] {"keys", "schedule-deletion", "key-a", "--days", "31"},
                        "31 is not allowed; expected 7-30"),
                Arguments.of("days not a number", new String[] {"keys", "schedule-deletion", "key-a", "--days", "week"},
                        "'week' is not a whole number; expected 7-30"),
                Arguments.of("page size zero", new String[] {"keys", "list", "--page-size", "0"},
                        "Invalid value for option '--page-size': 0 is not allowed; expected 1-1000"),
                Arguments.of("page size too large", new String[] {"keys", "list", "--page-size", "1001"}, "expected 1-1000"),
                Arguments.of("length 20", new String[] {"datakey", "--key", "key-a", "--length", "20"},
                        "Invalid value for option '--length': 20 is not allowed; expected one of 16, 24, 32, 64"),
                Arguments.of("length text", new String[] {"datakey", "--key", "key-a", "--length", "big"},
                        "'big' is not a whole number; expected one of 16, 24, 32, 64"),
                // k=v pairs
                Arguments.of("context without =", new String[] {"wrap", "--key", "key-a", "--plaintext-b64", "AAAA", "--context", "tenant"},
                        "Invalid value for option '--context' (KEY=VALUE): 'tenant' is not key=value (no '=')"),
                Arguments.of("context empty key", new String[] {"unwrap", "--envelope-b64", "AAAA", "--context", "=x"},
                        "'=x' has an empty key (expected key=value)"),
                Arguments.of("context key twice", new String[] {"wrap", "--key", "key-a", "--plaintext-b64", "AAAA",
                    "--context", "a=1", "--context", "a=2"},
                        "Invalid value for option '--context': key 'a' is given more than once"),
                Arguments.of("label without =", new String[] {"keys", "create", "--label", "prod"}, "'prod' is not key=value"),
                Arguments.of("label key twice", new String[] {"keys", "create", "--label", "env=a", "--label", "env=b"},
                        "Invalid value for option '--label': key 'env' is given more than once"),
                // exclusive inputs
                Arguments.of("wrap both inputs", new String[] {"wrap", "--key", "key-a", "--plaintext-b64", "AAAA", "--in", "f"},
                        "error: --plaintext-b64=B64, --in=FILE are mutually exclusive (specify only one)"),
                Arguments.of("wrap no input", new String[] {"wrap", "--key", "key-a"},
                        "Missing required argument (specify one of these): (--plaintext-b64=B64 | --in=FILE)"),
                Arguments.of("wrap no key", new String[] {"wrap", "--plaintext-b64", "AAAA"}, "Missing required option: '--key=KEY'"),
                Arguments.of("unwrap both inputs", new String[] {"unwrap", "--envelope-b64", "AAAA", "--in", "f"},
                        "--envelope-b64=B64, --in=FILE are mutually exclusive"),
                Arguments.of("rewrap no input", new String[] {"rewrap", "--target-key", "alias/x"},
                        "Missing required argument (specify one of these): (--envelope-b64=B64 | --in=FILE)"),
                Arguments.of("rewrap bad target", new String[] {"rewrap", "--envelope-b64", "AAAA", "--target-key", "x"},
                        "Invalid value for option '--target-key'"),
                Arguments.of("bad base64", new String[] {"unwrap", "--envelope-b64", "not base64!"},
                        "Invalid value for option '--envelope-b64': not valid standard base64"),
                Arguments.of("empty base64", new String[] {"wrap", "--key", "key-a", "--plaintext-b64", ""}, "empty value"),
                // officer and quorum commands
                Arguments.of("keygen without --out", new String[] {"officer", "keygen"}, "Missing required option: '--out=FILE'"),
                Arguments.of("keygen bad algorithm", new String[] {"officer", "keygen", "--out", "k", "--algorithm", "rsa"},
                        "Invalid value for option '--algorithm': 'rsa' is not an officer key algorithm; expected ed25519 or ecdsa-p256"),
                Arguments.of("no passphrase flag", new String[] {"officer", "keygen", "--out", "k", "--passphrase", "x"},
                        "Unknown options: '--passphrase', 'x'"),
                Arguments.of("approve bad id", new String[] {"approvals", "approve", "42", "--officer-id", "a", "--officer-key", "k"},
                        "Invalid value for positional parameter at index 0 (ID): '42' is not an approval request id "
                                + "(apr- followed by 26 characters of a-z 2-7)"),
                Arguments.of("approve without signer", new String[] {"approvals", "approve", "apr-abcdefghijklmnopqrstuvwxyz"},
                        "Missing required option: '--officer-id=ID'"),
                Arguments.of("approve bad officer id", new String[] {"approvals", "approve", "apr-abcdefghijklmnopqrstuvwxyz",
                    "--officer-id", "Alice", "--officer-key", "k"},
                        "Invalid value for option '--officer-id': 'Alice' is not an officer id (1-64 characters of a-z 0-9 _ -)"),
                Arguments.of("bad expected digest", new String[] {"approvals", "reject", "apr-abcdefghijklmnopqrstuvwxyz",
                    "--officer-id", "alice", "--officer-key", "k", "--expect-digest", "abc"},
                        "Invalid value for option '--expect-digest': expected 64 hexadecimal characters (a SHA-256)"),
                Arguments.of("list bad state", new String[] {"approvals", "list", "--state", "open"},
                        "Invalid value for option '--state' (STATE): 'open' is not an approval state; expected one of "
                                + "pending, executed, failed, rejected, expired"),
                Arguments.of("watch zero events", new String[] {"approvals", "watch", "--max-events", "0"},
                        "Invalid value for option '--max-events': 0 is not allowed; expected 1 or more"),
                Arguments.of("grant bad operation", new String[] {"grants", "create", "--key", "key-a", "--principal", "p",
                    "--operation", "wrap,encrypt"},
                        "Invalid value for option '--operation' (OPS): 'encrypt' is not a data operation; expected one of "
                                + "wrap, unwrap, generate-data-key, rewrap"),
                Arguments.of("grant without operation", new String[] {"grants", "create", "--key", "key-a", "--principal", "p"},
                        "Missing required option: '--operation=OPS'"),
                Arguments.of("grant glob principal", new String[] {"grants", "create", "--key", "key-a", "--principal", "spiffe://x/*",
                    "--operation", "wrap"}, "a grant names one exact principal; globs (* ?) belong in an access policy"),
                Arguments.of("grant bad time", new String[] {"grants", "create", "--key", "key-a", "--principal", "p",
                    "--operation", "wrap", "--not-after", "2026-01-31"},
                        "Invalid value for option '--not-after': '2026-01-31' is not an ISO 8601 time with a zone, such as "
                                + "2026-01-31T18:00:00Z"),
                Arguments.of("grant window reversed", new String[] {"grants", "create", "--key", "key-a", "--principal", "p",
                    "--operation", "wrap", "--not-before", "2026-02-01T00:00:00Z", "--not-after", "2026-01-01T00:00:00Z"},
                        "--not-before 2026-02-01T00:00:00Z is not before --not-after 2026-01-01T00:00:00Z"),
                Arguments.of("revoke bad grant id", new String[] {"grants", "revoke", "key-a", "--officer-id", "a", "--officer-key", "k"},
                        "'key-a' is not a grant id (grt- followed by 26 characters of a-z 2-7)"),
                Arguments.of("officer spec too short", new String[] {"officers", "add", "--officer", "dave:Dave:op-b"},
                        "Invalid value for option '--officer': 'dave:Dave:op-b' "
                                + "is not ID:DISPLAY NAME:OPERATOR:PRINCIPAL:PUBFILE"),
                Arguments.of("officer spec empty operator", new String[] {"officers", "add", "--officer", "dave:Dave:::f.pub"},
                        "'dave:Dave:::f.pub': the operator is empty"),
                Arguments.of("officer spec bad id", new String[] {"officers", "add", "--officer", "Dave:Dave:op::f.pub"},
                        "'Dave' is not an officer id"),
                Arguments.of("quorum zero", new String[] {"quorum", "set", "--threshold", "0"},
                        "Invalid value for option '--threshold': 0 is not allowed; expected 1-1000"),
                Arguments.of("quorum without threshold", new String[] {"quorum", "set", "--min-per-operator", "1"},
                        "Missing required option: '--threshold=M'"),
                Arguments.of("approval policy not boolean", new String[] {"keys", "set-approval-policy", "key-a",
                    "--require-unwrap-approval", "yes"}, "'yes' is not a boolean"),
                Arguments.of("set-policy without file", new String[] {"keys", "set-policy", "key-a"},
                        "Missing required option: '--policy-file=FILE'"),
                Arguments.of("ceremony init without signatures", new String[] {"ceremony", "init", "doc"},
                        "Missing required parameter: 'SIGFILE'"),
                Arguments.of("ceremony prepare without officer", new String[] {"ceremony", "prepare", "--threshold", "1",
                    "--out", "d"}, "Missing required option: '--officer=ID:DISPLAY NAME:OPERATOR:PRINCIPAL:PUBFILE'"),
                Arguments.of("bad output format", new String[] {"keys", "list", "-o", "yaml"},
                        "Invalid value for option '--output': expected one of [TABLE, JSON, RAW] (case-insensitive) but was 'yaml'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCommandLines")
    void badCommandLineIsAUsageError(String name, String[] args, String expected) throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir).run(args);

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().contains(expected), () -> "expected <" + expected + "> in\n" + result);
        assertTrue(result.err().contains("--help' for more information."), result::toString);
        assertEquals("", result.out(), result::toString);
    }

    @Test
    void badBase64NeverEchoesTheInput() throws Exception {
        String secretish = "hunter2-is-my-password!";
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("wrap", "--key", "key-a", "--plaintext-b64", secretish);

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(!result.err().contains("hunter2"), result::toString);
    }

    @Test
    void helpAndVersionSucceedWithoutConnecting() throws Exception {
        CliHarness cli = new CliHarness(CliHarness.mustNotConnect(), dir);

        CliHarness.Result help = cli.run("--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.out().contains("Exit codes:"), help::toString);
        assertTrue(help.out().contains("69   Server, HSM or store unavailable"), help::toString);

        CliHarness.Result version = cli.run("--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().matches("coffre \\d+\\.\\d+\\.\\d+.*\\R"), version::toString);

        CliHarness.Result subHelp = cli.run("help", "wrap");
        assertEquals(0, subHelp.exitCode(), subHelp::toString);
        assertTrue(subHelp.out().contains("--plaintext-b64=B64"), subHelp::toString);
    }

    @Test
    void missingCertificateSettingsNameEveryWayToSetThem() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .env("COFFRE_CA_CERT", null)
                .env("COFFRE_KEY", null)
                .env("HOME", dir.toString())
                .run("keys", "list");

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        String file = "a CLI config file (pass --cli-config FILE or set COFFRE_CLI_CONFIG; default "
                + dir.resolve(".config/coffre/cli.properties") + ", not found)";
        assertTrue(result.err().contains("error: missing connection setting 'ca-cert' (Coffre always uses mTLS): "
                + "pass --ca-cert FILE, set COFFRE_CA_CERT, or add 'ca-cert=FILE' to " + file), result::toString);
        assertTrue(result.err().contains("error: missing connection setting 'key' (Coffre always uses mTLS): "
                + "pass --client-key FILE, set COFFRE_KEY, or add 'key=FILE' to " + file), result::toString);
        assertTrue(!result.err().contains("'cert'"), "cert is set, so it must not be reported: " + result);
    }

    @Test
    void aMisspeltOptionIsNamedBeforeTheRequiredOptionItLeftMissing() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("wrap", "--keyy", "alias/demo", "--plaintext-b64", "AAAA");

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertEquals("""
                error: Unknown option: '--keyy'
                Possible solutions: --key
                error: Missing required option: '--key=KEY'
                Try 'coffre wrap --help' for more information.
                """, result.err());
    }

    @Test
    void knownOptionsAndValuesAreNotCalledUnknown() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("keys", "schedule-deletion", "key-a", "--days", "-5", "-ojson", "--output=json");

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(!result.err().contains("Unknown option"), result::toString);
    }

    @Test
    void optionsBeforeTheSubcommandGetAHintWhereTheyGo() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir).run("-o", "json", "keys", "list");

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().contains("error: Unknown options: '-o', 'json'\n"), result::toString);
        assertTrue(result.err().contains(
                "hint: options go after the subcommand they belong to, e.g. 'coffre keys list -o json'\n"), result::toString);
        assertEquals("", result.out(), result::toString);
    }

    @Test
    void everyCommandListedInAHelpPageHasAWholeSummary() {
        // The list of commands shows the first line of each description; one ending with ':' was cut.
        List<String> cut = new ArrayList<>();
        collectCutSummaries(CoffreCli.newCommandLine(CliHarness.mustNotConnect(), Map.of(),
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), cut);
        assertEquals(List.of(), cut);
    }

    private static void collectCutSummaries(CommandLine command, List<String> cut) {
        for (CommandLine sub : command.getSubcommands().values()) {
            String[] header = sub.getCommandSpec().usageMessage().header();
            String[] description = sub.getCommandSpec().usageMessage().description();
            String summary = header.length > 0 ? header[0] : description.length > 0 ? description[0] : "";
            if (summary.isBlank() || summary.strip().endsWith(":")) {
                cut.add(sub.getCommandSpec().qualifiedName() + ": '" + summary + "'");
            }
            collectCutSummaries(sub, cut);
        }
    }

    @Test
    void theCeremonyCommandIsSummarisedInTheMainHelp() throws Exception {
        CliHarness.Result help = new CliHarness(CliHarness.mustNotConnect(), dir).run("--help");

        assertTrue(help.out().contains("ceremony   Register the first officers and quorum rule of a fresh server,"),
                help::toString);
        assertTrue(help.out().contains("each officer signing them."), help::toString);
    }

    @Test
    void unreadableInputFileIsALocalFailureBeforeConnecting() throws Exception {
        Path missing = dir.resolve("nope.bin");
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("wrap", "--key", "key-a", "--in", missing.toString());

        assertEquals(ExitCodes.LOCAL_FAILURE, result.exitCode(), result::toString);
        assertEquals("error: cannot read --in " + missing + ": no such file\n", result.err());
    }
}
