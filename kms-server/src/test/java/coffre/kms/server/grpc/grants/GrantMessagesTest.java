package coffre.kms.server.grpc.grants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantTerms;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Grant;
import com.google.protobuf.Timestamp;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A grant as the API shows it: its terms as signed, its times to the microsecond it keeps. */
class GrantMessagesTest {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    static Timestamp ts(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    @Test
    void aGrantReadsBackAsItsTermsWithItsIdTimesAndRevocation() {
        Instant end = Instant.parse("2026-03-02T10:00:00.123456789Z");
        GrantRecord grant = GrantRecord.create(new GrantTerms("key-abcdefghijklmnopqrstuvwxyz",
                "spiffe://coffre.dev/batch", List.of("UNWRAP", "WRAP", "UNWRAP"), Map.of("a", "1"), null, end),
                NOW, new SecureRandom()).revokedAt(NOW.plusSeconds(5));
        Grant proto = GrantMessages.toProto(grant);
        assertEquals(grant.id(), proto.getId());
        assertTrue(proto.getRevoked());
        assertEquals(ts(NOW.plusSeconds(5)), proto.getRevokeTime());
        assertEquals(ts(NOW), proto.getCreateTime());
        assertEquals(ts(NOW), proto.getSpec().getNotBefore());
        assertEquals(ts(grant.notAfter()), proto.getSpec().getNotAfter());
        assertEquals(Map.of("a", "1"), proto.getSpec().getContextConstraintsMap());
        assertEquals(List.of(DataOperation.WRAP, DataOperation.UNWRAP), proto.getSpec().getOperationsList(),
                "each operation once, in the API's order");
        GrantRecord again = GrantRecord.create(SignedDocumentCodec.grantTerms(proto.getSpec()), NOW, new SecureRandom());
        assertEquals(proto.getSpec(), GrantMessages.toProto(again).getSpec(), "its terms give the same grant again");
    }

    @Test
    void anUnrevokedGrantHasNoRevokeTime() {
        GrantRecord grant = GrantRecord.create(new GrantTerms("key-abcdefghijklmnopqrstuvwxyz",
                "spiffe://coffre.dev/batch", List.of("WRAP"), Map.of(), null, NOW.plusSeconds(60)), NOW,
                new SecureRandom());
        Grant proto = GrantMessages.toProto(grant);
        assertFalse(proto.getRevoked());
        assertFalse(proto.hasRevokeTime());
    }
}
