package coffre.kms.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.v1.Key;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.KeyVersion;
import coffre.kms.v1.KeyVersionState;
import coffre.kms.v1.ProtectionLevel;
import com.google.protobuf.Timestamp;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRenderingTest {

    private static Timestamp ts(long seconds) {
        return Timestamp.newBuilder().setSeconds(seconds).setNanos(999_000_000).build();
    }

    private static final Key DESTROYED = Key.newBuilder()
            .setId("key-0000000000000000000000000a")
            .setDescription("line one\nline two\u001b[31m")
            .setState(KeyState.DESTROYED)
            .setProtectionLevel(ProtectionLevel.HSM)
            .setPrimaryVersion(1)
            .addVersions(KeyVersion.newBuilder().setVersion(1).setState(KeyVersionState.KEY_VERSION_DESTROYED)
                    .setCreateTime(ts(0)))
            .setCreateTime(ts(1_700_000_000L))
            .setDeletionTime(ts(1_700_600_000L))
            .setDestroyTime(ts(1_700_600_001L))
            .build();

    @Test
    void tableWithoutKeysIsTheHeaderAlone() {
        assertEquals("ID  ALIAS  STATE  PRIMARY  VERSIONS  CREATED\n", KeyRendering.table(List.of()));
    }

    @Test
    void tableShowsADashForNoAliasAndCountsVersions() {
        assertEquals("""
                ID                              ALIAS  STATE      PRIMARY  VERSIONS  CREATED
                key-0000000000000000000000000a  -      DESTROYED  1        1         2023-11-14T22:13:20Z
                """, KeyRendering.table(List.of(DESTROYED)));
    }

    @Test
    void detailsOfADestroyedKeyShowDeletionAndDestructionTimes() {
        assertEquals("""
                ID:              key-0000000000000000000000000a
                Alias:           -
                Description:     line one line two [31m
                State:           DESTROYED
                Protection:      HSM
                Primary version: 1
                Labels:          -
                Created:         2023-11-14T22:13:20Z
                Updated:         -
                Deletion time:   2023-11-21T20:53:20Z
                Destroyed:       2023-11-21T20:53:21Z
                Versions:
                  VERSION  STATE      CREATED               PRIMARY
                  1        DESTROYED  1970-01-01T00:00:00Z  *
                """, KeyRendering.details(DESTROYED));
    }

    @Test
    void anAsymmetricKeyShowsItsSpecUsageAndEachVersionsPublicKeyDigest() throws Exception {
        byte[] der = {0x30, 3, 1, 2, 3};
        Key signer = DESTROYED.toBuilder().setState(KeyState.ENABLED).clearDeletionTime().clearDestroyTime()
                .setKeySpec(coffre.kms.v1.KeySpec.EC_P256).setKeyUsage(coffre.kms.v1.KeyUsage.SIGN_VERIFY)
                .setVersions(0, KeyVersion.newBuilder().setVersion(1).setState(KeyVersionState.KEY_VERSION_ENABLED)
                        .setCreateTime(ts(0)).setPublicKeyDer(com.google.protobuf.ByteString.copyFrom(der)))
                .build();
        String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
        String details = KeyRendering.details(signer);
        assertEquals(true, details.contains("Protection:      HSM\nKey spec:        EC_P256, SIGN_VERIFY\n"), details);
        assertEquals(true, details.endsWith("""
                  VERSION  STATE    CREATED               PRIMARY  PUBLIC KEY SHA-256
                  1        ENABLED  1970-01-01T00:00:00Z  *        %s
                """.formatted(sha256)), details);
    }
}
