package coffre.kms.server.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.GrantSpec;
import com.google.protobuf.Timestamp;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Grants from signed terms (through the codec that approvals and the API use) and from the store. */
class GrantRecordTest {
    static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private final SecureRandom random = new SecureRandom();

    static Timestamp ts(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    static GrantSpec.Builder spec() {
        return GrantSpec.newBuilder().setKeyId(KEY).setPrincipal("spiffe://coffre.dev/batch")
                .addOperations(DataOperation.UNWRAP).setNotAfter(ts(NOW.plus(Duration.ofDays(1))));
    }

    /** A grant from terms as officers sign them. */
    private GrantRecord create(GrantSpec spec) {
        return GrantRecord.create(SignedDocumentCodec.grantTerms(spec), NOW, random);
    }

    static Stream<Arguments> invalidSpecs() {
        GrantSpec.Builder tooManyConstraints = spec();
        IntStream.range(0, 33).forEach(i -> tooManyConstraints.putContextConstraints("k" + i, "v"));
        return Stream.of(
                Arguments.of("no key id", spec().clearKeyId(), "key_id"),
                Arguments.of("an alias instead of a key id", spec().setKeyId("alias/billing"), "key_id"),
                Arguments.of("no principal", spec().clearPrincipal(), "principal"),
                Arguments.of("a glob principal", spec().setPrincipal("spiffe://coffre.dev/*"), "principal"),
                Arguments.of("a ? principal", spec().setPrincipal("batch-?"), "principal"),
                Arguments.of("a 257-character principal", spec().setPrincipal("p".repeat(257)), "principal"),
                Arguments.of("no operation", spec().clearOperations(), "operations"),
                Arguments.of("UNSPECIFIED operation",
                        spec().addOperations(DataOperation.DATA_OPERATION_UNSPECIFIED), "operations"),
                Arguments.of("33 context constraints", tooManyConstraints, "context_constraints"),
                Arguments.of("empty constraint key", spec().putContextConstraints("", "v"), "context_constraints"),
                Arguments.of("257-character constraint value",
                        spec().putContextConstraints("tenant", "v".repeat(257)), "context_constraints"),
                Arguments.of("no not_after", spec().clearNotAfter(), "not_after"),
                Arguments.of("not_after equal to not_before",
                        spec().setNotBefore(ts(NOW.plusSeconds(60))).setNotAfter(ts(NOW.plusSeconds(60))), "not_after"),
                Arguments.of("not_after before not_before",
                        spec().setNotBefore(ts(NOW.plusSeconds(120))).setNotAfter(ts(NOW.plusSeconds(60))), "not_after"),
                Arguments.of("not_after already passed", spec().setNotBefore(ts(NOW.minusSeconds(120)))
                        .setNotAfter(ts(NOW.minusSeconds(60))), "not_after"),
                Arguments.of("longer than 366 days", spec().setNotAfter(ts(NOW.plus(Duration.ofDays(366)).plusSeconds(1))),
                        "not_after"),
                Arguments.of("an invalid timestamp",
                        spec().setNotBefore(Timestamp.newBuilder().setSeconds(1).setNanos(-1)), "not_before"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void invalidSpecsAreRefusedNamingTheField(String name, GrantSpec.Builder spec, String field) {
        KmsException e = assertThrows(KmsException.class, () -> create(spec.build()));
        assertEquals(ErrorReason.INVALID_GRANT, e.reason());
        assertEquals(field, e.metadata().get("field"));
    }

    @Test
    void aNewGrantGetsARandomIdAndStartsNowByDefault() {
        GrantRecord grant = create(spec().putContextConstraints("tenant", "acme").build());
        assertTrue(grant.id().matches("grt-[a-z2-7]{26}"), grant.id());
        assertNotEquals(grant.id(), create(spec().build()).id());
        assertEquals(NOW, grant.notBefore());
        assertEquals(NOW, grant.createdAt());
        assertEquals(Map.of("tenant", "acme"), grant.contextConstraints());
        assertFalse(grant.isRevoked());
    }

    @Test
    void exactly366DaysIsAllowed() {
        Instant start = NOW.plus(Duration.ofDays(2));
        GrantRecord grant = create(spec().setNotBefore(ts(start))
                .setNotAfter(ts(start.plus(GrantRecord.MAX_DURATION))).build());
        assertEquals(start, grant.notBefore());
    }

    @Test
    void liveOnlyWithinItsHalfOpenWindowAndUntilRevoked() {
        GrantRecord grant = create(spec().setNotBefore(ts(NOW.plusSeconds(10)))
                .setNotAfter(ts(NOW.plusSeconds(20))).build());
        assertFalse(grant.isLiveAt(NOW.plusSeconds(9)));
        assertTrue(grant.isLiveAt(NOW.plusSeconds(10)));
        assertTrue(grant.isLiveAt(NOW.plusSeconds(19)));
        assertFalse(grant.isLiveAt(NOW.plusSeconds(20)));
        assertFalse(grant.revokedAt(NOW).isLiveAt(NOW.plusSeconds(15)));
    }

    @Test
    void timesAreKeptToTheMicrosecond() {
        Instant end = Instant.parse("2026-03-02T10:00:00.123456789Z");
        GrantRecord grant = create(spec().setNotAfter(ts(end)).build()).revokedAt(NOW.plusSeconds(5).plusNanos(789));
        assertEquals(Instant.parse("2026-03-02T10:00:00.123456Z"), grant.notAfter());
        assertEquals(NOW.plusSeconds(5), grant.revokedAt());
    }

    @Test
    void malformedStoredIdsAreRefused() {
        GrantRecord grant = create(spec().build());
        KmsException e = assertThrows(KmsException.class, () -> new GrantRecord("grt-UPPER", grant.keyId(),
                grant.principal(), grant.operations(), Map.of(), grant.notBefore(), grant.notAfter(),
                grant.createdAt(), null));
        assertEquals(ErrorReason.INVALID_GRANT, e.reason());
        assertEquals("id", e.metadata().get("field"));
    }
}
