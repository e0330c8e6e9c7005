package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.ErrorReason;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wrap, unwrap, datakey and rewrap run whole against an in-process fake server. */
class CryptoCommandsTest {

    private static final String ENVELOPE_B64 = "AQAC/gMEBQYHCA==";
    private static final String PLAINTEXT_B64 = "dG9wIHNlY3JldA==";
    private static final String ZERO_KEY_B64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    @TempDir
    Path dir;

    private FakeKms server;
    private CliHarness cli;

    @BeforeEach
    void start() throws Exception {
        server = new FakeKms();
        cli = new CliHarness(server.channels(), dir);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void wrapSendsPlaintextAndContextAndPrintsTheEnvelope() {
        CliHarness.Result result = cli.run("wrap", "--key", "alias/billing", "--plaintext-b64", PLAINTEXT_B64,
                "--context", "tenant=acme", "--context", "purpose=db=main");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(WrapRequest.newBuilder().setKeyId("alias/billing").setPlaintext(FakeKms.PLAINTEXT)
                .putEncryptionContext("tenant", "acme").putEncryptionContext("purpose", "db=main").build(), server.onlyRequest());
        assertEquals("Envelope:  " + ENVELOPE_B64 + "\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   2\n", result.out());
        assertEquals("", result.err());
    }

    @Test
    void wrapAsRawPrintsTheBareEnvelopeAsBeforeForScripts() {
        CliHarness.Result result = cli.run("wrap", "--key", "key-a", "--plaintext-b64", PLAINTEXT_B64, "-o", "raw");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(ENVELOPE_B64 + "\n", result.out());
    }

    @Test
    void rawIsRefusedByCommandsWithoutOneValueBeforeAnythingHappens() {
        CliHarness offline = cli;
        CliHarness.Result dataKey = offline.run("datakey", "--key", "key-a", "-o", "raw");
        CliHarness.Result list = offline.run("keys", "list", "-o", "raw");

        for (CliHarness.Result result : List.of(dataKey, list)) {
            assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
            assertTrue(result.err().startsWith("error: -o raw prints a single value and is only for wrap, unwrap, "
                    + "rewrap, decrypt, sign and keys public-key; use -o table or -o json\n"), result::toString);
            assertEquals("", result.out(), result::toString);
        }
        assertEquals(List.of(), server.requests(), "nothing was sent");
    }

    @Test
    void wrapReadsRawBytesFromAFileAndWritesRawBytesToOut() throws Exception {
        Path in = Files.write(dir.resolve("secret.bin"), new byte[] {0, (byte) 0xff, 10, 13});
        Path out = dir.resolve("secret.env");

        CliHarness.Result result = cli.run("wrap", "--key", "key-a", "--in", in.toString(), "--out", out.toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(ByteString.copyFrom(new byte[] {0, (byte) 0xff, 10, 13}), ((WrapRequest) server.onlyRequest()).getPlaintext());
        assertArrayEquals(FakeKms.ENVELOPE.toByteArray(), Files.readAllBytes(out));
        assertEquals("Envelope:  written to " + out + " (10 bytes)\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   2\n", result.out(), "with --out the bytes go to the file only");
        CliHarness.Result raw = cli.run("wrap", "--key", "key-a", "--in", in.toString(), "--out", out.toString(), "-o", "raw");
        assertEquals("", raw.out(), "raw with --out has nothing to print");
    }

    @Test
    void wrapReadsStandardInputForDash() {
        CliHarness.Result result = cli.stdin("from stdin".getBytes(StandardCharsets.UTF_8)).run("wrap", "--key", "key-a", "--in", "-");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("from stdin", ((WrapRequest) server.onlyRequest()).getPlaintext().toStringUtf8());
    }

    @Test
    void wrapAsJsonHasTheEnvelopeInBase64() throws Exception {
        CliHarness.Result result = cli.run("wrap", "--key", "key-a", "--plaintext-b64", PLAINTEXT_B64, "-o", "json");

        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals(ENVELOPE_B64, json.get("envelope").asText());
        assertEquals(FakeKms.KEY.getId(), json.get("key_id").asText());
        assertEquals(2, json.get("key_version").asInt());
    }

    @Test
    void inputFilesLargerThanTheLimitAreRefusedBeforeConnecting() throws Exception {
        Path big = Files.write(dir.resolve("big.bin"), new byte[64 * 1024 + 1]);
        CliHarness local = new CliHarness(CliHarness.mustNotConnect(), dir);

        CliHarness.Result result = local.run("wrap", "--key", "key-a", "--in", big.toString());

        assertEquals(ExitCodes.LOCAL_FAILURE, result.exitCode(), result::toString);
        assertEquals("error: --in " + big + " holds more than 65536 bytes; Coffre wraps keys and small secrets, not bulk data\n",
                result.err());
    }

    @Test
    void unwrapPrintsThePlaintextInBase64() {
        CliHarness.Result result = cli.run("unwrap", "--envelope-b64", ENVELOPE_B64, "--context", "tenant=acme");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(UnwrapRequest.newBuilder().setEnvelope(FakeKms.ENVELOPE).putEncryptionContext("tenant", "acme").build(),
                server.onlyRequest());
        assertEquals("Plaintext: " + PLAINTEXT_B64 + "\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   1\n", result.out());

        CliHarness.Result raw = cli.run("unwrap", "--envelope-b64", ENVELOPE_B64, "--context", "tenant=acme", "-o", "raw");
        assertEquals(PLAINTEXT_B64 + "\n", raw.out());
    }

    @Test
    void unwrapToAFileKeepsThePlaintextOffStdoutEvenInJson() throws Exception {
        Path envelope = Files.write(dir.resolve("in.env"), FakeKms.ENVELOPE.toByteArray());
        Path out = dir.resolve("plain.bin");

        CliHarness.Result result = cli.run("unwrap", "--in", envelope.toString(), "--out", out.toString(), "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertArrayEquals(FakeKms.PLAINTEXT.toByteArray(), Files.readAllBytes(out));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals("", json.get("plaintext").asText());
        assertEquals(FakeKms.KEY.getId(), json.get("key_id").asText());
        assertFalse(result.out().contains(PLAINTEXT_B64), result::toString);
    }

    @Test
    void unwrapToAMissingDirectoryIsALocalFailure() {
        Path out = dir.resolve("no/such/dir/plain.bin");

        CliHarness.Result result = cli.run("unwrap", "--envelope-b64", ENVELOPE_B64, "--out", out.toString());

        assertEquals(ExitCodes.LOCAL_FAILURE, result.exitCode(), result::toString);
        assertEquals("error: cannot write --out " + out + ": no such directory\n", result.err());
        assertEquals("", result.out());
    }

    @Test
    void decryptionFailureIsOneInvalidArgumentLine() {
        server.failNext(FakeKms.richError(Status.Code.INVALID_ARGUMENT, ErrorReason.DECRYPTION_FAILED,
                "envelope could not be authenticated", Map.of()));

        CliHarness.Result result = cli.run("unwrap", "--envelope-b64", ENVELOPE_B64, "--context", "tenant=other");

        assertEquals(ExitCodes.INVALID_ARGUMENT, result.exitCode(), result::toString);
        assertEquals("error: DECRYPTION_FAILED: the envelope or ciphertext could not be decrypted: it is damaged, not "
                + "an envelope, or the key, key version or encryption context differs from the one used to make it "
                + "(envelope could not be authenticated)\n", result.err());
        assertEquals("", result.out());
    }

    @Test
    void plaintextTooLargeShowsTheLimitFromMetadata() {
        server.failNext(FakeKms.richError(Status.Code.INVALID_ARGUMENT, ErrorReason.PLAINTEXT_TOO_LARGE,
                "plaintext is 5000 bytes", Map.of("limit", "4096", "field", "plaintext")));

        CliHarness.Result result = cli.run("wrap", "--key", "key-a", "--plaintext-b64", PLAINTEXT_B64);

        assertEquals(ExitCodes.INVALID_ARGUMENT, result.exitCode(), result::toString);
        assertEquals("error: PLAINTEXT_TOO_LARGE: the plaintext is too large to wrap (wrap a data key, not the data itself) "
                + "[field=plaintext, limit=4096] (plaintext is 5000 bytes)\n", result.err());
        assertFalse(result.err().contains(PLAINTEXT_B64));
    }

    @Test
    void dataKeyPrintsPlaintextAndEnvelope() {
        CliHarness.Result result = cli.run("datakey", "--key", "key-a", "--length", "64", "--context", "db=orders");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(GenerateDataKeyRequest.newBuilder().setKeyId("key-a").setLengthBytes(64)
                .putEncryptionContext("db", "orders").build(), server.onlyRequest());
        assertEquals("Plaintext: " + ZERO_KEY_B64 + "\n"
                + "Envelope:  " + ENVELOPE_B64 + "\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   2\n", result.out());
    }

    @Test
    void dataKeyWithoutLengthLeavesTheServerDefault() throws Exception {
        CliHarness.Result result = cli.run("datakey", "--key", "key-a", "-o", "json");

        assertEquals(0, ((GenerateDataKeyRequest) server.onlyRequest()).getLengthBytes());
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals(ZERO_KEY_B64, json.get("plaintext").asText());
        assertEquals(ENVELOPE_B64, json.get("envelope").asText());
    }

    @Test
    void rewrapSendsTheTargetKeyAndPrintsTheNewEnvelope() throws Exception {
        CliHarness.Result result = cli.run("rewrap", "--envelope-b64", ENVELOPE_B64, "--target-key", "alias/new",
                "--context", "a=b");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(RewrapRequest.newBuilder().setEnvelope(FakeKms.ENVELOPE).setTargetKeyId("alias/new")
                .putEncryptionContext("a", "b").build(), server.onlyRequest());
        assertEquals("Envelope:  " + ENVELOPE_B64 + "\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   2\n"
                + "From:      " + FakeKms.KEY.getId() + " version 1\n", result.out());
        assertEquals(ENVELOPE_B64 + "\n", cli.run("rewrap", "--envelope-b64", ENVELOPE_B64, "-o", "raw").out());

        CliHarness.Result json = cli.run("rewrap", "--envelope-b64", ENVELOPE_B64, "-o", "json");
        assertEquals(1, new ObjectMapper().readTree(json.out()).get("source_key_version").asInt());
    }

    @Test
    void hsmUnavailableIsRetryable() {
        server.failNext(FakeKms.richError(Status.Code.UNAVAILABLE, ErrorReason.HSM_UNAVAILABLE, "try later", Map.of()));

        CliHarness.Result result = cli.run("datakey", "--key", "key-a");

        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertEquals("error: HSM_UNAVAILABLE: the server cannot reach its HSM right now; retry later (try later)\n", result.err());
        assertEquals("", result.out(), "no half-printed data key");
    }

    @Test
    void unreachableServerNamesTheEndpointAndCertificates() throws Exception {
        server.close();

        CliHarness.Result result = cli.run("wrap", "--key", "key-a", "--plaintext-b64", PLAINTEXT_B64,
                "--endpoint", "kms.example:9443");

        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: UNAVAILABLE: cannot reach or complete the TLS handshake with "
                + "kms.example:9443: check the endpoint and the certificates ("), result::toString);
        assertFalse(result.err().contains(PLAINTEXT_B64), result::toString);
    }

    @Test
    void aSilentServerHitsTheDeadline() {
        server.goSilent();

        CliHarness.Result result = cli.env("COFFRE_TIMEOUT", "5").run("keys", "show", "key-a", "--timeout", "1");

        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: DEADLINE_EXCEEDED: no answer from 127.0.0.1:8443 within 1 s: "
                + "check the server or raise --timeout"), result::toString);
        assertEquals(Duration.ofSeconds(1), server.openedWith().get(0).timeout(), "the flag wins over the env var");
    }
}
