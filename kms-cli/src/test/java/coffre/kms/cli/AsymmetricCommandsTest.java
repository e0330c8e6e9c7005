package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.EncryptionAlgorithm;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SigningAlgorithm;
import coffre.kms.v1.VerifyRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keys create --spec/--usage, keys public-key, decrypt, sign and verify against an in-process fake server. */
class AsymmetricCommandsTest {
    private static final String SIGNATURE_B64 = Base64.getEncoder().encodeToString(FakeKms.SIGNATURE.toByteArray());

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
    void createSendsTheSpecAndUsage() {
        CliHarness.Result result = cli.run("keys", "create", "--alias", "dke", "--spec", "rsa-3072", "--usage",
                "ENCRYPT_DECRYPT");
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(CreateKeyRequest.newBuilder().setAlias("dke").setKeySpec(KeySpec.RSA_3072)
                .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT).build(), server.onlyRequest());
    }

    @Test
    void anEcKeySignsByDefaultAndAnAesKeySendsNothingNew() {
        assertEquals(ExitCodes.OK, cli.run("keys", "create", "--spec", "EC_P384").exitCode());
        assertEquals(ExitCodes.OK, cli.run("keys", "create").exitCode());
        List<?> requests = server.requests();
        assertEquals(CreateKeyRequest.newBuilder().setKeySpec(KeySpec.EC_P384).setKeyUsage(KeyUsage.SIGN_VERIFY).build(),
                requests.get(0));
        assertEquals(CreateKeyRequest.getDefaultInstance(), requests.get(1));
    }

    @Test
    void anUnknownSpecIsAUsageErrorListingTheSpecs() {
        CliHarness.Result result = cli.run("keys", "create", "--spec", "RSA_1024");
        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().contains("'RSA_1024' is not a key spec; expected one of AES_256, RSA_2048, RSA_3072, "
                + "RSA_4096, EC_P256, EC_P384"), result::toString);
        assertEquals(List.of(), server.requests());
    }

    @Test
    void publicKeyPrintsThePemWithWhatTheKeyIs() {
        CliHarness.Result result = cli.run("keys", "public-key", "alias/signer", "--version", "2");
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(GetPublicKeyRequest.newBuilder().setKeyId("alias/signer").setKeyVersion(2).build(),
                server.onlyRequest());
        assertEquals("Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   2\n"
                + "Spec:      EC_P256\n"
                + "Usage:     SIGN_VERIFY\n"
                + "Algorithm: ECDSA_SHA_256\n"
                + FakeKms.PUBLIC_KEY_PEM, result.out());
        assertEquals(FakeKms.PUBLIC_KEY_PEM, cli.run("keys", "public-key", "key-a", "-o", "raw").out());
    }

    @Test
    void publicKeyWritesDerOrPemToAFile() throws Exception {
        Path der = dir.resolve("pub.der");
        Path pem = dir.resolve("pub.pem");
        assertEquals(ExitCodes.OK, cli.run("keys", "public-key", "key-a", "--out", der.toString(), "--der").exitCode());
        assertEquals(ExitCodes.OK, cli.run("keys", "public-key", "key-a", "--out", pem.toString()).exitCode());
        assertArrayEquals(FakeKms.PUBLIC_KEY_DER.toByteArray(), Files.readAllBytes(der));
        assertEquals(FakeKms.PUBLIC_KEY_PEM, Files.readString(pem));
    }

    @Test
    void decryptSendsTheCiphertextFromAFileAndWritesThePlaintextToOut() throws Exception {
        Path in = Files.write(dir.resolve("ct.bin"), new byte[] {9, 8, 7});
        Path out = dir.resolve("pt.bin");
        CliHarness.Result result = cli.run("decrypt", "--key", "key-a", "--version", "1", "--in", in.toString(),
                "--out", out.toString());
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(AsymmetricDecryptRequest.newBuilder().setKeyId("key-a").setKeyVersion(1)
                .setCiphertext(ByteString.copyFrom(new byte[] {9, 8, 7}))
                .setAlgorithm(EncryptionAlgorithm.RSAES_OAEP_SHA_256).build(), server.onlyRequest());
        assertArrayEquals(FakeKms.PLAINTEXT.toByteArray(), Files.readAllBytes(out));
        assertEquals("Plaintext: written to " + out + " (10 bytes)\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   1\n", result.out(), "the plaintext goes to the file only");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    void decryptAsRawPrintsThePlaintextAloneFromStandardInput() {
        CliHarness.Result result = cli.stdin(new byte[] {1, 2}).run("decrypt", "--key", "key-a", "--in", "-",
                "-o", "raw");
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(Base64.getEncoder().encodeToString(FakeKms.PLAINTEXT.toByteArray()) + "\n", result.out());
    }

    @Test
    void signSendsAMessageOrADigestAndPrintsTheSignature() {
        CliHarness.Result message = cli.run("sign", "--key", "key-a", "--message-b64", "aGVsbG8=");
        assertEquals(ExitCodes.OK, message.exitCode(), message::toString);
        assertEquals("Signature: " + SIGNATURE_B64 + "\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   2\n"
                + "Algorithm: ECDSA_SHA_256\n", message.out());
        byte[] digest = new byte[32];
        CliHarness.Result overDigest = cli.run("sign", "--key", "key-a", "--digest-b64",
                Base64.getEncoder().encodeToString(digest), "--algorithm", "ecdsa-sha-256", "-o", "raw");
        assertEquals(SIGNATURE_B64 + "\n", overDigest.out());
        assertEquals(List.of(
                SignRequest.newBuilder().setKeyId("key-a").setMessage(ByteString.copyFromUtf8("hello")).build(),
                SignRequest.newBuilder().setKeyId("key-a").setDigest(ByteString.copyFrom(digest))
                        .setAlgorithm(SigningAlgorithm.ECDSA_SHA_256).build()), server.requests());
    }

    @Test
    void aMessageAndADigestTogetherAreAUsageError() {
        CliHarness.Result result = cli.run("sign", "--key", "key-a", "--message-b64", "aGVsbG8=", "--digest-b64",
                "aGVsbG8=");
        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertEquals(List.of(), server.requests());
    }

    @Test
    void verifyExitsZeroWhenValidAndItsOwnCodeWhenNot() throws Exception {
        Path signature = Files.write(dir.resolve("sig.der"), FakeKms.SIGNATURE.toByteArray());
        CliHarness.Result valid = cli.run("verify", "--key", "key-a", "--version", "1", "--message-b64", "aGVsbG8=",
                "--signature-in", signature.toString());
        assertEquals(ExitCodes.OK, valid.exitCode(), valid::toString);
        assertEquals("Valid:     yes\n"
                + "Key:       " + FakeKms.KEY.getId() + "\n"
                + "Version:   1\n"
                + "Algorithm: ECDSA_SHA_256\n", valid.out());
        assertEquals(VerifyRequest.newBuilder().setKeyId("key-a").setKeyVersion(1)
                .setMessage(ByteString.copyFromUtf8("hello")).setSignature(FakeKms.SIGNATURE).build(),
                server.requests().get(0));

        CliHarness.Result invalid = cli.run("verify", "--key", "key-a", "--message-b64", "aGVsbG8=",
                "--signature-b64", "AAAA", "-o", "json");
        assertEquals(ExitCodes.INVALID_SIGNATURE, invalid.exitCode(), invalid::toString);
        JsonNode json = new ObjectMapper().readTree(invalid.out());
        assertEquals(false, json.path("valid").asBoolean(true));
    }
}
