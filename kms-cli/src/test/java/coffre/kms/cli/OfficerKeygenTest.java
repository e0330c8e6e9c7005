package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.EncryptedKeyFile;
import coffre.kms.cli.officerkeys.KeyFileException;
import coffre.kms.cli.officerkeys.OfficerPrivateKey;
import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.signing.OfficerKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code coffre officer keygen}: the encrypted key file, the .pub file, the fingerprint. */
class OfficerKeygenTest {

    private static final byte[] STATEMENT = "a statement".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ed25519, ED25519", "ecdsa-p256, ECDSA_P256_SHA256"})
    void keyFileDecryptsOnlyWithTheRightPassphraseAndSignsForThePublicKey(String algorithm, SignatureAlgorithm expected)
            throws Exception {
        Path key = dir.resolve("alice.key");
        Path passphrase = dir.resolve("pass.txt");
        Files.writeString(passphrase, "a long enough passphrase\n");

        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("officer", "keygen", "--algorithm", algorithm, "--out", key.toString(),
                        "--passphrase-file", passphrase.toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        String pem = Files.readString(key);
        assertTrue(pem.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"), pem);
        OfficerKeyFiles.KeyFiles files = new OfficerKeyFiles.KeyFiles(key, dir.resolve("alice.key.pub"), null);
        var publicKey = coffre.kms.v1.OfficerPublicKey.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(Files.readString(files.pub()), publicKey);
        assertEquals(expected, publicKey.getAlgorithm());
        String fingerprint = OfficerKeys.fingerprint(publicKey.build());
        assertTrue(result.out().contains("Fingerprint: " + fingerprint + "\n"), result::toString);
        assertFalse(result.out().contains("a long enough passphrase") || result.err().contains("a long enough passphrase"));

        OfficerPrivateKey decrypted = EncryptedKeyFile.decrypt(Files.readAllBytes(key), "a long enough passphrase".toCharArray());
        assertEquals(expected, decrypted.algorithm());
        assertTrue(OfficerKeys.verify(publicKey.build(), STATEMENT, decrypted.sign(STATEMENT)));
        KeyFileException wrong = assertThrows(KeyFileException.class,
                () -> EncryptedKeyFile.decrypt(Files.readAllBytes(key), "a long enough passphrasE".toCharArray()));
        assertEquals("cannot decrypt the officer key: wrong passphrase, or the file is damaged", wrong.getMessage());
    }

    @Test
    void passphraseComesFromTheEnvironmentAndJsonOutputGivesTheFingerprint() throws Exception {
        Path key = dir.resolve("bob.key");

        CliHarness.Result result = OfficerKeyFiles.withPassphrase(new CliHarness(CliHarness.mustNotConnect(), dir))
                .run("officer", "keygen", "--out", key.toString(), "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals("ED25519", json.at("/public_key/algorithm").asText());
        var publicKey = coffre.kms.v1.OfficerPublicKey.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(Files.readString(dir.resolve("bob.key.pub")), publicKey);
        assertEquals(OfficerKeys.fingerprint(publicKey.build()), json.get("fingerprint").asText());
        EncryptedKeyFile.decrypt(Files.readAllBytes(key), OfficerKeyFiles.PASSPHRASE.toCharArray());
    }

    @Test
    void promptAsksTwiceAndRefusesDifferentAnswers() throws Exception {
        Deque<String> answers = new ArrayDeque<>(List.of("first passphrase!!", "second passphrase!"));
        List<String> prompts = new java.util.ArrayList<>();
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .prompt(prompt -> {
                    prompts.add(prompt);
                    return answers.pop().toCharArray();
                })
                .run("officer", "keygen", "--out", dir.resolve("k").toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: the two passphrases typed differ; nothing was written\n"), result::toString);
        assertEquals(2, prompts.size());
        assertFalse(Files.exists(dir.resolve("k")));
    }

    @Test
    void promptedPassphraseIsUsed() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .prompt(prompt -> "typed passphrase 123".toCharArray())
                .run("officer", "keygen", "--out", dir.resolve("k").toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        EncryptedKeyFile.decrypt(Files.readAllBytes(dir.resolve("k")), "typed passphrase 123".toCharArray());
    }

    @Test
    void withoutAnyPassphraseSourceItSaysHowToGiveOne() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("officer", "keygen", "--out", dir.resolve("k").toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: no passphrase for the officer key: give --passphrase-file FILE, set "
                + "COFFRE_OFFICER_PASSPHRASE, or run coffre in a terminal to be asked\n"), result::toString);
    }

    @Test
    void shortPassphraseIsRefused() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .env("COFFRE_OFFICER_PASSPHRASE", "short")
                .run("officer", "keygen", "--out", dir.resolve("k").toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: the passphrase must be at least 12 characters long"), result::toString);
        assertFalse(result.err().contains("short"), result::toString);
        assertFalse(Files.exists(dir.resolve("k")));
    }

    @Test
    void existingFilesAreNeverOverwritten() throws Exception {
        Path key = dir.resolve("k");
        Files.writeString(dir.resolve("k.pub"), "precious");

        CliHarness.Result result = OfficerKeyFiles.withPassphrase(new CliHarness(CliHarness.mustNotConnect(), dir))
                .run("officer", "keygen", "--out", key.toString());

        assertEquals(ExitCodes.LOCAL_FAILURE, result.exitCode(), result::toString);
        assertEquals("error: cannot write the public key file " + dir.resolve("k.pub")
                + ": it already exists; coffre never overwrites it\n", result.err());
        assertEquals("precious", Files.readString(dir.resolve("k.pub")));
        assertFalse(Files.exists(key));
    }

    @Test
    void aFileThatIsNotAKeyFileIsNamedAsSuch() {
        KeyFileException e = assertThrows(KeyFileException.class,
                () -> EncryptedKeyFile.decrypt("-----BEGIN PRIVATE KEY-----\nAAAA\n".getBytes(StandardCharsets.US_ASCII),
                        "x".toCharArray()));
        assertTrue(e.getMessage().startsWith("not a PEM '-----BEGIN ENCRYPTED PRIVATE KEY-----' file"), e.getMessage());
    }
}
