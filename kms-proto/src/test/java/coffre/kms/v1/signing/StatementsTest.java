package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.v1.AddOfficerOperation;
import coffre.kms.v1.CreateKeyOperation;
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
}
