package coffre.kms.cli.officerkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A public key file holds the key's one canonical encoding: the CLI refuses another spelling before
 * an officer hands it over, naming why, as the server would.
 */
class PublicKeyFileTest {
    @TempDir
    Path dir;

    @Test
    void aReEncodedKeyIsRefusedWithTheReasonAndTheCanonicalOneIsRead() throws Exception {
        byte[] der = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        OfficerPublicKey canonical = OfficerPublicKey.newBuilder().setAlgorithm(SignatureAlgorithm.ED25519)
                .setSpkiDer(ByteString.copyFrom(der)).build();
        Path good = dir.resolve("good.pub");
        Files.writeString(good, PublicKeyFile.render(canonical), StandardCharsets.UTF_8);
        assertEquals(canonical, PublicKeyFile.read(good));

        byte[] withNull = new byte[46];
        System.arraycopy(HexFormat.of().parseHex("302c300706032b65700500032100"), 0, withNull, 0, 14);
        System.arraycopy(Arrays.copyOfRange(der, der.length - 32, der.length), 0, withNull, 14, 32);
        Path bad = dir.resolve("bad.pub");
        Files.writeString(bad, PublicKeyFile.render(canonical.toBuilder().setSpkiDer(ByteString.copyFrom(withNull))
                .build()), StandardCharsets.UTF_8);
        KeyFileException e = assertThrows(KeyFileException.class, () -> PublicKeyFile.read(bad));
        assertTrue(e.getMessage().contains("canonical"), e.getMessage());
    }
}
