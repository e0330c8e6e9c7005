package coffre.kms.server.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.LiveKey;
import coffre.kms.server.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The enforcer tells its {@link DecisionObserver} of every decision, on both entry points: begun
 * and closed once, refused with the closed reason name when it refuses (never a message), and
 * closed too when the decision throws.
 */
class KeyAccessEnforcerTest {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    static final Principal BILLING = new Principal("spiffe://coffre.dev/billing/api");
    static final Principal BATCH = new Principal("spiffe://coffre.dev/batch");

    /** What the observer saw, in order: "begin", "refused:REASON", "close". */
    private final List<String> seen = new ArrayList<>();
    private final DecisionObserver observer = () -> {
        seen.add("begin");
        return new DecisionObserver.Decision() {
            @Override
            public void refused(String reason) {
                seen.add("refused:" + reason);
            }

            @Override
            public void close() {
                seen.add("close");
            }
        };
    };
    private final MutableClock clock = new MutableClock(NOW);
    private final KeyAccessEnforcer enforcer = new KeyAccessEnforcer(new AccessDecider(new GrantRegistry(
            new InMemoryGrantStore(), clock, new SecureRandom())), clock, observer);

    /** billing/* may wrap; every call must name tenant acme. */
    private final LiveKey key = new LiveKey(KeyMetadata.created(new KeyId("key-" + "a".repeat(26)),
            new KeyAttributes(null, "", Map.of(), KeyAccessPolicy.of(new KeyAccessPolicy.Written(
                    List.of(new KeyAccessPolicy.WrittenRule(List.of("spiffe://coffre.dev/billing/*"), List.of("WRAP"))),
                    List.of(new KeyAccessPolicy.WrittenRequirement("tenant", List.of("acme"))))), false), NOW),
            List.of(Optional.empty()));

    @Test
    void anAllowedCheckIsBegunAndClosedWithoutARefusal() {
        enforcer.check(BILLING, DataOperation.WRAP, key, Map.of("tenant", "acme"));
        assertEquals(List.of("begin", "close"), seen);
    }

    @Test
    void aRefusedCheckTellsItsReasonThenCloses() {
        KmsException denied = assertThrows(KmsException.class,
                () -> enforcer.check(BATCH, DataOperation.WRAP, key, Map.of("tenant", "acme")));
        assertEquals(ErrorReason.PERMISSION_DENIED, denied.reason());
        KmsException context = assertThrows(KmsException.class,
                () -> enforcer.check(BILLING, DataOperation.WRAP, key, Map.of("tenant", "other")));
        assertEquals(ErrorReason.CONTEXT_NOT_ALLOWED, context.reason());
        assertEquals(List.of("begin", "refused:PERMISSION_DENIED", "close",
                "begin", "refused:CONTEXT_NOT_ALLOWED", "close"), seen);
    }

    @Test
    void aRefusalIsToldByItsKind() {
        assertNull(enforcer.refusal(BILLING, DataOperation.WRAP, keyWithoutRequirement(), null));
        AccessRefusal refusal = enforcer.refusal(BATCH, DataOperation.WRAP, keyWithoutRequirement(), null);
        assertEquals(AccessRefusal.Kind.NOT_PERMITTED, refusal.kind());
        assertThrows(KmsException.class, () -> enforcer.refusal(BILLING, DataOperation.WRAP, key, null),
                "a key that requires a context refuses a call that cannot carry one");
        assertEquals(List.of("begin", "close", "begin", "refused:NOT_PERMITTED", "close",
                "begin", "refused:CONTEXT_NOT_ALLOWED", "close"), seen);
    }

    @Test
    void withoutAnObserverNothingIsTold() {
        KeyAccessEnforcer plain = new KeyAccessEnforcer(new AccessDecider(new GrantRegistry(new InMemoryGrantStore(),
                clock, new SecureRandom())), clock);
        plain.check(BILLING, DataOperation.WRAP, key, Map.of("tenant", "acme"));
        assertThrows(KmsException.class, () -> plain.check(BATCH, DataOperation.WRAP, key, Map.of()));
        assertEquals(List.of(), seen);
    }

    private LiveKey keyWithoutRequirement() {
        return new LiveKey(KeyMetadata.created(new KeyId("key-" + "b".repeat(26)), new KeyAttributes(null, "", Map.of(),
                KeyAccessPolicy.of(new KeyAccessPolicy.Written(List.of(new KeyAccessPolicy.WrittenRule(
                        List.of("spiffe://coffre.dev/billing/*"), List.of("WRAP"))), List.of())), false), NOW),
                List.of(Optional.empty()));
    }
}
