package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.Officer;
import coffre.kms.v1.QuorumRule;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Signed documents parse only from their one canonical encoding. */
class CanonicalMessagesTest {
    private static final CeremonyDocument DOCUMENT = CeremonyDocument.newBuilder()
            .addOfficers(Officer.newBuilder().setId("alice").setOperator("op-a").setDisplayName("Alice"))
            .addOfficers(Officer.newBuilder().setId("bob").setOperator("op-b").setDisplayName("Bob"))
            .setRule(QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1)).setNonce("n-1").build();

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void theCanonicalBytesParse() throws InvalidProtocolBufferException {
        byte[] bytes = Statements.canonicalBytes(DOCUMENT);
        assertEquals(DOCUMENT, Statements.parseCanonical(bytes, CeremonyDocument.parser()));
        assertArrayEquals(bytes, DOCUMENT.toByteArray());
    }

    @Test
    void anUnknownFieldIsRefused() {
        byte[] withUnknown = concat(Statements.canonicalBytes(DOCUMENT), hex("f8010f"));
        assertThrows(InvalidProtocolBufferException.class,
                () -> Statements.parseCanonical(withUnknown, CeremonyDocument.parser()));
    }

    @Test
    void anUnknownFieldInsideANestedMessageIsRefused() {
        CeremonyDocument nested = DOCUMENT.toBuilder().setRule(QuorumRule.newBuilder().setThreshold(2)
                .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(99,
                        com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())).build();
        assertThrows(InvalidProtocolBufferException.class,
                () -> Statements.parseCanonical(nested.toByteArray(), CeremonyDocument.parser()));
    }

    @Test
    void reorderedFieldsAreRefused() {
        CeremonyDocument nonceOnly = CeremonyDocument.newBuilder().setNonce("n-1").build();
        CeremonyDocument rest = DOCUMENT.toBuilder().clearNonce().build();
        byte[] reordered = concat(nonceOnly.toByteArray(), rest.toByteArray());
        assertThrows(InvalidProtocolBufferException.class,
                () -> Statements.parseCanonical(reordered, CeremonyDocument.parser()));
    }

    @Test
    void aRepeatedScalarFieldIsRefused() {
        // The last value wins in protobuf, so a second nonce would be invisible in the parsed document.
        byte[] twice = concat(CeremonyDocument.newBuilder().setNonce("x").build().toByteArray(),
                Statements.canonicalBytes(DOCUMENT));
        assertThrows(InvalidProtocolBufferException.class,
                () -> Statements.parseCanonical(twice, CeremonyDocument.parser()));
    }

    @Test
    void aNonMinimalVarintIsRefused() {
        CeremonyDocument rule = CeremonyDocument.newBuilder().setRule(QuorumRule.newBuilder().setThreshold(2)).build();
        byte[] canonical = rule.toByteArray();
        // threshold 2 written as the two-byte varint 0x82 0x00 instead of 0x02.
        String hex = HexFormat.of().formatHex(canonical);
        byte[] padded = hex(hex.replaceFirst("0802$", "088200").replaceFirst("^(..)02", "$103"));
        assertThrows(InvalidProtocolBufferException.class,
                () -> Statements.parseCanonical(padded, CeremonyDocument.parser()));
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
