package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Every bad XKS option is refused before any connection, with exit code 2 and a message that names
 * the option and the rule (and never the secret); the gRPC and XKS options are refused in the other
 * mode rather than ignored.
 */
class XksOptionsTest {
    private static final String URI = "https://xks.example.com:8443" + XksTestProxy.URI_PATH;

    @TempDir
    static Path dir;
    static Path secret;

    @BeforeAll
    static void files() throws IOException {
        secret = file("secret", XksTestProxy.SECRET + "\n", "rw-------");
    }

    static Path file(String name, String content, String mode) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    /** Runs the command; asserts it was refused as bad arguments and returns its error output. */
    static String refused(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = LoadTest.commandLine();
        cli.<LoadTest>getCommand().withOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, exit, text + out);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "no report");
        assertFalse(text.contains(XksTestProxy.SECRET), "the secret must never be printed: " + text);
        return text.strip();
    }

    /** A valid XKS command line with {@code replaced} options swapped or added (a null value drops the option). */
    static List<String> xks(String... replaced) {
        List<String> args = new ArrayList<>(List.of("--protocol", "xks", "--xks-uri", URI, "--xks-region", "eu-west-3",
                "--xks-access-key-id", XksTestProxy.ACCESS_KEY_ID, "--xks-secret-file", secret.toString(),
                "--xks-key-id", XksTestProxy.KEY_A));
        for (int i = 0; i < replaced.length; i += 2) {
            int at = args.indexOf(replaced[i]);
            if (at >= 0) {
                args.remove(at);
                args.remove(at);
            }
            if (replaced[i + 1] != null) {
                args.add(replaced[i]);
                args.add(replaced[i + 1]);
            }
        }
        return args;
    }

    @Test
    void eachRequiredOptionIsNamed() {
        assertEquals("error: --protocol xks needs --xks-uri https://HOST[:PORT][/PREFIX]/kms/xks/v1",
                refused(xks("--xks-uri", null)));
        assertEquals("error: --protocol xks needs --xks-region (the key store's AWS region, e.g. eu-west-3)",
                refused(xks("--xks-region", null)));
        assertEquals("error: --protocol xks needs --xks-secret-file FILE (the SigV4 secret; never on the command line)",
                refused(xks("--xks-secret-file", null)));
        assertEquals("error: --protocol xks needs --xks-access-key-id (or a secret file in the AWS KMS console's "
                + "format, which holds it)", refused(xks("--xks-access-key-id", null)));
        assertEquals("error: --op xks-encrypt needs at least one --xks-key-id (an external key id mapped in the key "
                + "store)", refused(xks("--xks-key-id", null)));
        assertEquals("error: --op xks-encrypt=1,xks-metadata=1 needs at least one --xks-key-id (an external key id "
                + "mapped in the key store)", refused(xks("--xks-key-id", null, "--op", "xks-encrypt=1,xks-metadata=1")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "http://xks.example.com/kms/xks/v1|must be https: the XKS API is served over TLS only",
        "https://xks.example.com/kms/xks|must end with /kms/xks/v1",
        "https://xks.example.com/|must end with /kms/xks/v1",
        "https://xks.example.com/a b/kms/xks/v1|is not a URI",
        "https://xks.example.com/p%41/kms/xks/v1|the path (XksProxyUriPath) is at most 128 characters",
        "https://xks.example.com/p.q/kms/xks/v1|the path (XksProxyUriPath) is at most 128 characters",
        "https://xks.example.com//kms/xks/v1|the path (XksProxyUriPath) is at most 128 characters",
        "https://xks.example.com/kms/xks/v1?x=1|must have no query or fragment",
        "https://me@xks.example.com/kms/xks/v1|needs a host and nothing before it",
    })
    void badUrisAreRefusedWithTheReason(String uri, String reason) {
        String message = refused(xks("--xks-uri", uri));
        assertTrue(message.startsWith("error: --xks-uri '" + uri + "'"), message);
        assertTrue(message.contains(reason), message);
        assertTrue(message.endsWith("(expected https://HOST[:PORT][/PREFIX]/kms/xks/v1)"), message);
    }

    @Test
    void aPrefixLongerThanTheSpecAllowsIsRefused() {
        String longest = "/" + "p".repeat(116) + "/kms/xks/v1";
        assertEquals(128, longest.length());
        assertEquals(longest, XksEndpoint.parse("https://h" + longest).uriPath());
        String message = refused(xks("--xks-uri", "https://h/p" + longest));
        assertTrue(message.contains("at most 128 characters"), message);
    }

    @Test
    void theEndpointGivesTheAuthorityAndPaths() {
        XksEndpoint e = XksEndpoint.parse("HTTPS://xks.example.com/kms/xks/v1");
        assertEquals(443, e.port());
        assertEquals("xks.example.com", e.authority());
        assertEquals("/kms/xks/v1/health", e.healthPath());
        XksEndpoint v6 = XksEndpoint.parse("https://[::1]:9443/a/b_c/kms/xks/v1");
        assertEquals("::1", v6.connectHost());
        assertEquals("[::1]:9443", v6.authority());
        assertEquals("/a/b_c/kms/xks/v1/keys/k.1/encrypt", v6.keyPath("k.1", "encrypt"));
        assertEquals("https://[::1]:9443/a/b_c/kms/xks/v1", v6.toString());
    }

    @Test
    void badValuesAreRefusedWithTheRule() {
        assertEquals("error: --xks-region 'EU_WEST_3' is not an AWS region name (e.g. eu-west-3, us-east-1)",
                refused(xks("--xks-region", "EU_WEST_3")));
        assertEquals("error: --xks-key-id 'a/b': an external key id is 1 to 128 characters of A-Z a-z 0-9 . - _ "
                + "(not . or ..)", refused(xks("--xks-key-id", "a/b")));
        assertEquals("error: --xks-key-id '..': an external key id is 1 to 128 characters of A-Z a-z 0-9 . - _ "
                + "(not . or ..)", refused(xks("--xks-key-id", "..")));
        String tooLong = refused(xks("--xks-uri", "https://h/" + "p".repeat(116) + "/kms/xks/v1", "--xks-key-id",
                "k".repeat(128)));
        assertTrue(tooLong.contains("would exceed 256 characters"), tooLong);
        assertEquals("error: --xks-access-key-id akid-in-lower-case: an XKS access key id is 20-30 characters of A-Z "
                + "and 2-7", refused(xks("--xks-access-key-id", "akid-in-lower-case")));
        assertEquals("error: --xks-http-version must be 2 or 1.1, got '3'", refused(xks("--xks-http-version", "3")));
        assertEquals("error: --xks-connections must be at least 1", refused(xks("--xks-connections", "0")));
        assertEquals("error: --payload-size: an XKS plaintext is 1 to 4300 bytes, got 5000",
                refused(xks("--payload-size", "5000")));
        assertEquals("error: mTLS to the XKS listener needs both --cert and --key (or neither)",
                refused(xks("--cert", secret.toString())));
        assertEquals("error: cannot read " + dir.resolve("nope.pem") + ": no such file",
                refused(xks("--ca-cert", dir.resolve("nope.pem").toString())));
        String protocol = refused(List.of("--protocol", "http"));
        assertTrue(protocol.contains("unknown protocol 'http': allowed are grpc, xks"), protocol);
    }

    @Test
    void aSecretFileOpenToOthersIsRefusedUnread() throws IOException {
        Path open = file("open-secret", XksTestProxy.SECRET, "rw-r--r--");
        assertEquals("error: --xks-secret-file " + open + " is open to other users (mode rw-r--r--): a secret file must "
                + "be readable by its owner only (chmod 600 " + open + ")", refused(xks("--xks-secret-file", open.toString())));
        Path groupWritable = file("group-secret", XksTestProxy.SECRET, "rw--w----");
        assertTrue(refused(xks("--xks-secret-file", groupWritable.toString())).contains("is open to other users"));
        Path readOnly = file("read-only-secret", XksTestProxy.SECRET, "r--------");
        assertEquals(XksTestProxy.SECRET.length(), XksSecretFile.read(readOnly).secret().length, "mode 400 is fine");
        assertEquals("error: --xks-secret-file " + dir.resolve("missing") + ": no such file",
                refused(xks("--xks-secret-file", dir.resolve("missing").toString())));
    }

    @Test
    void aSecretOfTheWrongFormIsRefusedWithoutEchoingIt() throws IOException {
        String shortSecret = "Tm90LWxvbmctZW5vdWdoLWJ1dC1zZWNyZXQ";
        SecretLedger.record(shortSecret);
        Path tooShort = file("short", shortSecret, "rw-------");
        String message = refused(xks("--xks-secret-file", tooShort.toString()));
        assertEquals("error: --xks-secret-file " + tooShort + ": an XKS secret access key is 43-64 characters of A-Z, "
                + "a-z, 0-9, '+', '/' and '='", message);
        assertFalse(message.contains(shortSecret));

        String lookalike = "{" + XksTestProxy.SECRET + "}";
        Path notJson = file("not-json", lookalike, "rw-------");
        String notJsonMessage = refused(xks("--xks-secret-file", notJson.toString()));
        assertEquals("error: --xks-secret-file " + notJson + ": starts with '{' but is not valid JSON (expected the "
                + "secret alone, or the AWS KMS console's XKS proxy configuration file)", notJsonMessage);

        Path otherJson = file("other.json", "{\"secret\":\"" + XksTestProxy.SECRET + "\"}", "rw-------");
        assertTrue(refused(xks("--xks-secret-file", otherJson.toString())).contains(
                "a JSON secret file is the AWS KMS console's XKS proxy configuration file, with "
                        + "XksProxyAuthenticationCredential.AccessKeyId and .RawSecretAccessKey"));
    }

    @Test
    void theConsoleFileMustAgreeWithTheOptions() throws IOException {
        Path console = file("console.json", "{\"XksProxyUriPath\":\"" + XksTestProxy.URI_PATH + "\","
                + "\"XksProxyAuthenticationCredential\":{\"AccessKeyId\":\"" + XksTestProxy.ACCESS_KEY_ID + "\","
                + "\"RawSecretAccessKey\":\"" + XksTestProxy.SECRET + "\"}}", "rw-------");
        XksSecretFile.Contents contents = XksSecretFile.read(console);
        assertEquals(XksTestProxy.ACCESS_KEY_ID, contents.accessKeyId());
        assertEquals(XksTestProxy.URI_PATH, contents.uriPath());
        assertFalse(contents.toString().contains(XksTestProxy.SECRET), contents.toString());

        assertEquals("error: --xks-access-key-id ANOTHERACCESSKEYID2345 is not the access key id of --xks-secret-file "
                + console + " (" + XksTestProxy.ACCESS_KEY_ID + ")", refused(xks("--xks-secret-file", console.toString(),
                "--xks-access-key-id", "ANOTHERACCESSKEYID2345")));
        assertEquals("error: --xks-uri's path /other/kms/xks/v1 is not the XksProxyUriPath of --xks-secret-file "
                + console + " (" + XksTestProxy.URI_PATH + ")", refused(xks("--xks-secret-file", console.toString(),
                "--xks-uri", "https://xks.example.com/other/kms/xks/v1")));
    }

    @Test
    void theSettingsOfAValidCommandLine() throws IOException {
        LoadTest command = new LoadTest();
        new CommandLine(command).parseArgs(xks("--op", "xks-health", "--xks-key-id", null).toArray(String[]::new));
        XksOptions.Settings s = command.xks.settings(OperationMix.parse("xks-health"), null, null, null);
        assertEquals(List.of(), s.keyIds(), "health needs no key");
        assertTrue(s.http2());
        assertEquals(1, s.connections());
        assertNull(s.caCert(), "the JVM's trusted CAs");
        assertEquals(XksTestProxy.ACCESS_KEY_ID, s.credential().accessKeyId());

        new CommandLine(command).parseArgs(xks("--xks-http-version", "1.1", "--xks-key-id", "k1").toArray(String[]::new));
        XksOptions.Settings h1 = command.xks.settings(OperationMix.parse("xks-encrypt"), null, null, null);
        assertEquals(64, h1.connections(), "one call per HTTP/1.1 connection: a pool as large as -c's default");
        assertEquals(List.of("k1"), h1.keyIds());
    }

    @Test
    void eachProtocolRefusesTheOthersOptionsAndOperations() {
        assertEquals("error: --endpoint, --key-id are for --protocol grpc: XKS calls go to --xks-uri, to the external "
                + "keys of --xks-key-id", refused(xks("--endpoint", "127.0.0.1:8443", "--key-id", "alias/x")));
        assertEquals("error: --channels is for --protocol grpc: XKS calls go to --xks-uri, to the external keys of "
                + "--xks-key-id", refused(xks("--channels", "2")));
        List<String> grpc = List.of("--ca-cert", "ca.pem", "--cert", "c.pem", "--key", "k.pem", "--key-id", "k",
                "--xks-uri", URI, "--xks-integrity-value");
        assertEquals("error: --xks-uri, --xks-integrity-value need --protocol xks", refused(grpc));
        assertEquals("error: operation wrap is made over grpc, not xks: use it without --protocol xks (one run speaks "
                + "one protocol)", refused(xks("--op", "xks-encrypt=1,wrap=1")));
        assertEquals("error: operation xks-encrypt is made over xks, not grpc: add --protocol xks (one run speaks one "
                + "protocol)", refused(List.of("--ca-cert", "ca.pem", "--cert", "c.pem", "--key", "k.pem", "--key-id",
                "k", "--op", "xks-encrypt")));
        assertEquals("error: gRPC calls need --ca-cert, --cert and --key (mTLS)",
                refused(List.of("--ca-cert", "ca.pem", "--key-id", "k")));
    }

    @Test
    void operationNamesParse() {
        assertEquals(Operation.XKS_DECRYPT, Operation.parse("XKS-Decrypt"));
        assertTrue(OperationMix.parse("xks-decrypt").needsEnvelopes());
        assertFalse(OperationMix.parse("xks-encrypt=3,xks-health=1").needsEnvelopes());
        assertEquals(Protocol.XKS, new Protocol.Converter().convert("XKS"));
        assertThrows(CommandLine.TypeConversionException.class, () -> new Protocol.Converter().convert("rest"));
    }
}
