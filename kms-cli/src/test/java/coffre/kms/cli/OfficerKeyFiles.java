package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.OfficerPublicKey;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Officer key files made by {@code coffre officer keygen} itself, for the tests of the commands
 * that sign. Key derivation is deliberately slow, so test classes make theirs once.
 */
final class OfficerKeyFiles {

    static final String PASSPHRASE = "correct horse battery staple";

    private OfficerKeyFiles() {
    }

    /** One generated officer key: its encrypted file, its .pub file and the public key. */
    record KeyFiles(Path key, Path pub, OfficerPublicKey publicKey) {
    }

    /** Runs keygen into {@code dir/name} with {@link #PASSPHRASE}; {@code algorithm} is ed25519 or ecdsa-p256. */
    static KeyFiles generate(Path dir, String name, String algorithm) throws IOException {
        Path key = dir.resolve(name);
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .env("COFFRE_OFFICER_PASSPHRASE", PASSPHRASE)
                .run("officer", "keygen", "--algorithm", algorithm, "--out", key.toString());
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        Path pub = dir.resolve(name + ".pub");
        OfficerPublicKey.Builder publicKey = OfficerPublicKey.newBuilder();
        JsonFormat.parser().merge(Files.readString(pub), publicKey);
        return new KeyFiles(key, pub, publicKey.build());
    }

    /** A harness whose environment holds the passphrase. */
    static CliHarness withPassphrase(CliHarness harness) {
        return harness.env("COFFRE_OFFICER_PASSPHRASE", PASSPHRASE);
    }
}
