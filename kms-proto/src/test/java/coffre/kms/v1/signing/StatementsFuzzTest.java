package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import coffre.kms.v1.CreateGrantOperation;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Operation;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fuzz tests of what officers sign (docs/approvals.md, docs/fuzzing.md). The committed inputs under
 * {@code src/test/resources/coffre/kms/v1/signing/StatementsFuzzTestInputs/} run in the normal
 * suite; {@code JAZZER_FUZZ=1} fuzzes.
 */
class StatementsFuzzTest {

    /**
     * Any operation the server could decode has one canonical byte form: serialising, parsing and
     * serialising again gives the same bytes, and the act-now statement is built over exactly them.
     */
    @FuzzTest
    void operationBytesAreAFixedPoint(byte[] input) throws InvalidProtocolBufferException {
        Operation operation;
        try {
            operation = Operation.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        byte[] bytes = Statements.operationBytes(operation);
        assertArrayEquals(bytes, Statements.operationBytes(operation), "deterministic");
        Operation again = Operation.parseFrom(bytes);
        assertEquals(operation, again, "the canonical bytes decode to the same operation");
        assertArrayEquals(bytes, Statements.operationBytes(again), "parse then serialise is a fixed point");

        Timestamp time = Timestamp.newBuilder().setSeconds(input.length).setNanos(7).build();
        byte[] expected = ByteBuffer.allocate(Statements.ACT_NOW_TAG.length() + 1 + 32 + 12)
                .put(Statements.ACT_NOW_TAG.getBytes(StandardCharsets.US_ASCII)).put((byte) 0)
                .put(Statements.sha256(bytes)).putLong(time.getSeconds()).putInt(time.getNanos())
                .array();
        assertArrayEquals(expected, Statements.actNow(operation, time));
    }

    /** Map fields (labels, context constraints) give the same bytes whatever their insertion order. */
    @FuzzTest
    void operationBytesIgnoreMapInsertionOrder(FuzzedDataProvider data) {
        Map<String, String> forward = new LinkedHashMap<>();
        int pairs = data.consumeInt(0, 12);
        for (int i = 0; i < pairs; i++) {
            forward.put(utf8(data, 24), utf8(data, 24));
        }
        List<Map.Entry<String, String>> entries = new ArrayList<>(forward.entrySet());
        Collections.shuffle(entries, new Random(data.consumeLong()));
        Map<String, String> shuffled = new LinkedHashMap<>();
        entries.forEach(e -> shuffled.put(e.getKey(), e.getValue()));

        assertArrayEquals(Statements.operationBytes(createKey(forward)), Statements.operationBytes(createKey(shuffled)));
        assertArrayEquals(Statements.operationBytes(createGrant(forward)), Statements.operationBytes(createGrant(shuffled)));
    }

    /**
     * A vote statement is refused (IllegalArgumentException) exactly when the digest is not 32 bytes
     * or the decision is neither APPROVE nor REJECT; otherwise it decodes back to its fields with
     * nothing left over, so two different votes never share a statement.
     */
    @FuzzTest
    void voteStatementDecodesToItsFields(FuzzedDataProvider data) {
        String requestId = utf8(data, 80);
        byte[] digest = data.consumeBytes(data.consumeBoolean() ? 32 : data.consumeInt(0, 40));
        Decision decision = Decision.values()[data.consumeInt(0, Decision.values().length - 1)];
        Timestamp time = Timestamp.newBuilder().setSeconds(data.consumeLong()).setNanos(data.consumeInt()).build();
        boolean valid = digest.length == 32 && (decision == Decision.APPROVE || decision == Decision.REJECT);
        byte[] statement;
        try {
            statement = Statements.vote(requestId, digest, decision, time);
        } catch (IllegalArgumentException e) {
            assertTrue(!valid, "refused a valid vote: " + e.getMessage());
            return;
        }
        assertTrue(valid, "signed a vote with a " + digest.length + "-byte digest and decision " + decision);

        ByteBuffer in = ByteBuffer.wrap(statement);
        byte[] tag = new byte[Statements.VOTE_TAG.length() + 1];
        in.get(tag);
        assertArrayEquals((Statements.VOTE_TAG + "\0").getBytes(StandardCharsets.US_ASCII), tag);
        byte[] id = new byte[in.getInt()];
        in.get(id);
        assertEquals(requestId, new String(id, StandardCharsets.UTF_8));
        byte[] signedDigest = new byte[32];
        in.get(signedDigest);
        assertArrayEquals(digest, signedDigest);
        assertEquals(decision.getNumber(), in.get());
        assertEquals(time.getSeconds(), in.getLong());
        assertEquals(time.getNanos(), in.getInt());
        assertEquals(0, in.remaining(), "nothing after the time");
    }

    private static Operation createKey(Map<String, String> labels) {
        return Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder().setAlias("a").putAllLabels(labels))
                .build();
    }

    private static Operation createGrant(Map<String, String> constraints) {
        return Operation.newBuilder().setCreateGrant(CreateGrantOperation.newBuilder()
                .setGrant(GrantSpec.newBuilder().setKeyId("k").putAllContextConstraints(constraints))).build();
    }

    /** Well-formed strings only, as protobuf hands them over after checking the wire's UTF-8. */
    private static String utf8(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), StandardCharsets.UTF_8);
    }
}
