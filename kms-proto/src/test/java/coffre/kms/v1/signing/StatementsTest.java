package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.AddOfficerOperation;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DecryptOnceOperation;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Officer;
import coffre.kms.v1.Operation;
import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Pins the bytes officers sign (docs/approvals.md). */
class StatementsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Timestamp T = Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5).build();

    @Test
    void voteStatementLayout() {
        byte[] digest = new byte[32];
        Arrays.fill(digest, (byte) 0xab);
        String expected = HEX.formatHex("coffre/v1/vote".getBytes(StandardCharsets.US_ASCII)) + "00"
                + "00000003" + HEX.formatHex("apr".getBytes(StandardCharsets.US_ASCII))
                + "ab".repeat(32) + "01" + "000000006553f100" + "00000005";
        assertEquals(expected, HEX.formatHex(Statements.vote("apr", digest, Decision.APPROVE, T)));
        assertFalse(Arrays.equals(Statements.vote("apr", digest, Decision.APPROVE, T),
                Statements.vote("apr", digest, Decision.REJECT, T)));
        assertThrows(IllegalArgumentException.class, () -> Statements.vote("apr", new byte[31], Decision.APPROVE, T));
        assertThrows(IllegalArgumentException.class,
                () -> Statements.vote("apr", digest, Decision.DECISION_UNSPECIFIED, T));
    }

    @Test
    void statementsOfDifferentPurposesNeverCollide() {
        Operation op = Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder().setAlias("a")).build();
        byte[] actNow = Statements.actNow(op, T);
        byte[] ceremony = Statements.ceremony(Statements.operationBytes(op));
        assertEquals("coffre/v1/act-now", new String(actNow, 0, 17, StandardCharsets.US_ASCII));
        assertEquals(0, actNow[17]);
        assertEquals("coffre/v1/ceremony", new String(ceremony, 0, 18, StandardCharsets.US_ASCII));
        assertFalse(Arrays.equals(Arrays.copyOf(actNow, 18), Arrays.copyOf(ceremony, 18)));
    }

    @Test
    void operationBytesAreDeterministicWhateverTheMapOrder() {
        Operation one = Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
                .putLabels("b", "2").putLabels("a", "1").putLabels("c", "3")).build();
        Operation two = Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
                .putLabels("c", "3").putLabels("a", "1").putLabels("b", "2")).build();
        assertArrayEquals(Statements.operationBytes(one), Statements.operationBytes(two));
        assertArrayEquals(Statements.sha256(Statements.operationBytes(one)), Statements.sha256(Statements.operationBytes(two)));
        Operation other = Operation.newBuilder().setAddOfficer(AddOfficerOperation.newBuilder()
                .setOfficer(Officer.newBuilder().setId("x"))).build();
        assertFalse(Arrays.equals(Statements.operationBytes(one), Statements.operationBytes(other)));
    }

    /** A CreateKey operation as officers signed it before key specs existed (bytes from that build). */
    private static final String CREATE_KEY_BEFORE_SPECS = "0a550a066f7264657273120f6f72646572732064617461626173651a0f"
            + "0a047465616d120762696c6c696e6722250a230a1d7370696666653a2f2f636f666672652e6465762f736572766963652f2a"
            + "120201022a020801";

    private static CreateKeyOperation.Builder ordersKey() {
        return CreateKeyOperation.newBuilder().setAlias("orders").setDescription("orders database")
                .putLabels("team", "billing")
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                        .addPrincipals("spiffe://coffre.dev/service/*")
                        .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP)))
                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true));
    }

    @Test
    void anAes256CreateKeyKeepsTheBytesSignedBeforeKeySpecsExisted() {
        Operation implicit = Operation.newBuilder().setCreateKey(ordersKey()).build();
        Operation explicit = Operation.newBuilder().setCreateKey(ordersKey().setKeySpec(KeySpec.AES_256)
                .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT)).build();
        assertEquals(CREATE_KEY_BEFORE_SPECS, HEX.formatHex(Statements.operationBytes(implicit)));
        assertEquals(CREATE_KEY_BEFORE_SPECS, HEX.formatHex(Statements.operationBytes(explicit)));
    }

    @Test
    void anAsymmetricCreateKeyAppendsItsSpecAndUsage() {
        Operation rsa = Operation.newBuilder().setCreateKey(ordersKey().setKeySpec(KeySpec.RSA_3072)
                .setKeyUsage(KeyUsage.SIGN_VERIFY)).build();
        // Field 6 (varint) = 2, field 7 (varint) = 1, inside the create_key message, whose length grows by 4.
        assertEquals("0a59" + CREATE_KEY_BEFORE_SPECS.substring(4) + "3002" + "3801",
                HEX.formatHex(Statements.operationBytes(rsa)));
    }

    @Test
    void aDecryptOnceIsNeverAnUnwrapOnce() {
        byte[] digest = new byte[32];
        Operation decrypt = Operation.newBuilder().setDecryptOnce(DecryptOnceOperation.newBuilder().setPrincipal("p")
                .setKeyId("key-x").setKeyVersion(1).setCiphertextSha256(com.google.protobuf.ByteString.copyFrom(digest)))
                .build();
        // Field 26 of Operation, length-delimited: tag 0xd2 0x01.
        assertEquals("d201", HEX.formatHex(Statements.operationBytes(decrypt), 0, 2));
    }
}
