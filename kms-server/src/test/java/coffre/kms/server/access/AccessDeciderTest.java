package coffre.kms.server.access;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The per-call decision: policy rules, grants and their windows, revocation, encryption context. */
class AccessDeciderTest {
    static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    static final String OTHER_KEY = "key-zyxwvutsrqponmlkjihgfedc22";
    static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    static final Principal BILLING = new Principal("spiffe://coffre.dev/billing/api");
    static final Principal BATCH = new Principal("spiffe://coffre.dev/batch");

    private final MutableClock clock = new MutableClock(START);
    private final InMemoryGrantStore store = new InMemoryGrantStore();
    private final GrantRegistry grants = new GrantRegistry(store, clock, new SecureRandom());
    private final AccessDecider decider = new AccessDecider(grants);

    /** billing/* may wrap and unwrap; every call must name tenant acme or globex. */
    private final KeyAccessPolicy policy = KeyAccessPolicy.of(new KeyAccessPolicy.Written(
            List.of(new KeyAccessPolicy.WrittenRule(List.of("spiffe://coffre.dev/billing/*"), List.of("WRAP", "UNWRAP"))),
            List.of(new KeyAccessPolicy.WrittenRequirement("tenant", List.of("acme", "globex")))));

    private GrantRecord grantUnwrap(Principal who, String key, Duration from, Duration until, Map<String, String> constraints) {
        return grants.create(new GrantTerms(key, who.name(), List.of("UNWRAP"), constraints, START.plus(from),
                START.plus(until)));
    }

    private void check(Principal who, DataOperation op, Map<String, String> context, Instant now) {
        decider.check(who, op, policy, KEY, context, now);
    }

    private static KmsException denied(ErrorReason reason, Executable call) {
        KmsException e = assertThrows(KmsException.class, call);
        assertEquals(reason, e.reason());
        return e;
    }

    @Test
    void aMatchingRuleWithTheRequiredContextAllows() {
        assertDoesNotThrow(() -> check(BILLING, DataOperation.WRAP, Map.of("tenant", "acme"), START));
        assertDoesNotThrow(() -> check(BILLING, DataOperation.UNWRAP, Map.of("tenant", "globex", "x", "y"), START));
    }

    @Test
    void noRuleAndNoGrantIsPermissionDeniedNamingPrincipalAndOperation() {
        KmsException e = denied(ErrorReason.PERMISSION_DENIED,
                () -> check(BATCH, DataOperation.WRAP, Map.of("tenant", "acme"), START));
        assertTrue(e.getMessage().contains(BATCH.name()), e.getMessage());
        assertTrue(e.getMessage().contains("WRAP"), e.getMessage());
        denied(ErrorReason.PERMISSION_DENIED,
                () -> check(BILLING, DataOperation.GENERATE_DATA_KEY, Map.of("tenant", "acme"), START));
        denied(ErrorReason.PERMISSION_DENIED, () -> decider.check(BILLING, DataOperation.WRAP,
                KeyAccessPolicy.EMPTY, KEY, Map.of(), START));
    }

    @Test
    void unauthorisedCallersLearnNothingAboutContextRequirements() {
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.WRAP, Map.of(), START));
    }

    @Test
    void missingRequiredKeyIsContextNotAllowedNamingTheKey() {
        KmsException e = denied(ErrorReason.CONTEXT_NOT_ALLOWED,
                () -> check(BILLING, DataOperation.WRAP, Map.of("other", "s3cr3t-value"), START));
        assertEquals("tenant", e.metadata().get("context_key"));
        assertTrue(e.getMessage().contains("tenant"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t-value"), e.getMessage());
        denied(ErrorReason.CONTEXT_NOT_ALLOWED, () -> check(BILLING, DataOperation.WRAP, null, START));
    }

    @Test
    void aValueOutsideTheAllowedOnesIsRefusedWithoutEchoingIt() {
        KmsException e = denied(ErrorReason.CONTEXT_NOT_ALLOWED,
                () -> check(BILLING, DataOperation.WRAP, Map.of("tenant", "initech-s3cr3t"), START));
        assertEquals(Map.of("context_key", "tenant"), e.metadata());
        assertFalse(e.getMessage().contains("initech-s3cr3t"), e.getMessage());
    }

    @Test
    void aGrantAllowsItsPrincipalOnItsKeyForItsOperations() {
        grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofHours(1), Map.of());
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "acme"), START));
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.WRAP, Map.of("tenant", "acme"), START));
    }

    @Test
    void aGrantStillNeedsThePolicysRequiredContext() {
        grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofHours(1), Map.of());
        KmsException e = denied(ErrorReason.CONTEXT_NOT_ALLOWED,
                () -> check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "initech"), START));
        assertEquals("tenant", e.metadata().get("context_key"));
    }

    @Test
    void aGrantExpiresAtNotAfter() {
        grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofHours(1), Map.of());
        Map<String, String> ctx = Map.of("tenant", "acme");
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP, ctx, START.plus(Duration.ofMinutes(59))));
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.UNWRAP, ctx, START.plus(Duration.ofHours(1))));
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.UNWRAP, ctx, START.plus(Duration.ofDays(3))));
    }

    @Test
    void aGrantIsNotValidBeforeNotBefore() {
        grantUnwrap(BATCH, KEY, Duration.ofHours(2), Duration.ofHours(3), Map.of());
        Map<String, String> ctx = Map.of("tenant", "acme");
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.UNWRAP, ctx, START));
        denied(ErrorReason.PERMISSION_DENIED,
                () -> check(BATCH, DataOperation.UNWRAP, ctx, START.plus(Duration.ofHours(2)).minusNanos(1)));
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP, ctx, START.plus(Duration.ofHours(2))));
    }

    @Test
    void revocationTakesEffectOnTheNextCheck() {
        GrantRecord grant = grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofDays(1), Map.of());
        Map<String, String> ctx = Map.of("tenant", "acme");
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP, ctx, START));
        clock.advance(Duration.ofMinutes(5));
        GrantRecord revoked = grants.revoke(grant.id());
        assertEquals(START.plus(Duration.ofMinutes(5)), revoked.revokedAt());
        assertTrue(store.rows.get(grant.id()).isRevoked(), "persisted");
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.UNWRAP, ctx, START.plusSeconds(301)));
        assertEquals(revoked, grants.revoke(grant.id()), "revoking again changes nothing");
    }

    @Test
    void aFailedRevocationLeavesTheGrantAsItWas() {
        GrantRecord grant = grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofDays(1), Map.of());
        store.failNextWrite = new StoreException("down", null);
        assertThrows(StoreException.class, () -> grants.revoke(grant.id()));
        assertFalse(grants.get(grant.id()).isRevoked());
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "acme"), START));
    }

    @Test
    void revokingAnUnknownGrantIsGrantNotFound() {
        denied(ErrorReason.GRANT_NOT_FOUND, () -> grants.revoke("grt-aaaaaaaaaaaaaaaaaaaaaaaaaa"));
        denied(ErrorReason.GRANT_NOT_FOUND, () -> grants.revoke(null));
    }

    @Test
    void aGrantsContextConstraintsMustHoldExactly() {
        grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofDays(1), Map.of("tenant", "acme", "job", "nightly"));
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP,
                Map.of("tenant", "acme", "job", "nightly", "extra", "ok"), START));
        KmsException missing = denied(ErrorReason.CONTEXT_NOT_ALLOWED,
                () -> check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "acme"), START));
        assertEquals("job", missing.metadata().get("context_key"));
        KmsException wrong = denied(ErrorReason.CONTEXT_NOT_ALLOWED,
                () -> check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "acme", "job", "weekly-s3cr3t"), START));
        assertEquals("job", wrong.metadata().get("context_key"));
        assertFalse(wrong.getMessage().contains("weekly-s3cr3t"), wrong.getMessage());
    }

    @Test
    void anotherLiveGrantWhoseConstraintsHoldStillAllows() {
        grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofDays(1), Map.of("job", "nightly"));
        grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofDays(1), Map.of("job", "weekly"));
        assertDoesNotThrow(() -> check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "acme", "job", "weekly"), START));
    }

    @Test
    void grantConstraintsDoNotApplyToCallersAllowedByAPolicyRule() {
        grantUnwrap(BILLING, KEY, Duration.ZERO, Duration.ofDays(1), Map.of("job", "nightly"));
        assertDoesNotThrow(() -> check(BILLING, DataOperation.UNWRAP, Map.of("tenant", "acme"), START));
    }

    @Test
    void aGrantForAnotherKeyOrPrincipalDoesNotApply() {
        grantUnwrap(BATCH, OTHER_KEY, Duration.ZERO, Duration.ofDays(1), Map.of());
        grantUnwrap(new Principal("spiffe://coffre.dev/batch2"), KEY, Duration.ZERO, Duration.ofDays(1), Map.of());
        Map<String, String> ctx = Map.of("tenant", "acme");
        denied(ErrorReason.PERMISSION_DENIED, () -> check(BATCH, DataOperation.UNWRAP, ctx, START));
        assertDoesNotThrow(() -> check(new Principal("spiffe://coffre.dev/batch2"), DataOperation.UNWRAP, ctx, START));
        assertDoesNotThrow(() -> decider.check(BATCH, DataOperation.UNWRAP, policy, OTHER_KEY, ctx, START));
    }

    @Test
    void theHotPathNeverReadsTheStoreAndARestartSeesTheSameGrants() {
        GrantRecord kept = grantUnwrap(BATCH, KEY, Duration.ZERO, Duration.ofDays(1), Map.of());
        GrantRecord gone = grantUnwrap(BATCH, OTHER_KEY, Duration.ZERO, Duration.ofDays(1), Map.of());
        grants.revoke(gone.id());
        for (int i = 0; i < 100; i++) {
            check(BATCH, DataOperation.UNWRAP, Map.of("tenant", "acme"), START);
        }
        assertEquals(0, store.loads);

        GrantRegistry restarted = new GrantRegistry(store, clock, new SecureRandom());
        restarted.loadAll();
        assertEquals(List.of(kept), restarted.unrevokedFor(KEY, BATCH));
        assertEquals(List.of(), restarted.unrevokedFor(OTHER_KEY, BATCH));
        assertEquals(List.of(kept), restarted.list(null, false));
        assertEquals(2, restarted.list(null, true).size());
        assertEquals(List.of(grants.get(gone.id())), restarted.list(OTHER_KEY, true));
        assertEquals(List.of(), restarted.list(OTHER_KEY, false));
    }

    /** xks:eu-store may wrap when called through EBS; nobody relaying for role/test may unwrap. */
    private final KeyAccessPolicy secondary = KeyAccessPolicy.of(new KeyAccessPolicy.Written(List.of(
            new KeyAccessPolicy.WrittenRule(List.of("xks:eu-store"), List.of("WRAP", "UNWRAP"),
                    List.of(new KeyAccessPolicy.WrittenCondition("kms_via_service", List.of("ebs"))), "ALLOW"),
            new KeyAccessPolicy.WrittenRule(List.of("xks:*"), List.of("UNWRAP"),
                    List.of(new KeyAccessPolicy.WrittenCondition("aws_principal_arn",
                            List.of("arn:aws:iam::111122223333:role/test"))), "DENY")), List.of()));
    static final Principal STORE = new Principal("xks:eu-store");

    private AccessRefusal refusal(Principal who, DataOperation op, RequestMetadata request) {
        return decider.refusal(who, op, secondary, KEY, null, request, START);
    }

    @Test
    void refusalsOfCallsWithRequestMetadataAreToldApart() {
        RequestMetadata viaEbs = new RequestMetadata("arn:aws:iam::111122223333:role/app", "Encrypt", "ebs", null, null);
        RequestMetadata direct = new RequestMetadata("arn:aws:iam::111122223333:role/app", "Encrypt", null, null, null);
        RequestMetadata test = new RequestMetadata("arn:aws:iam::111122223333:role/test", "Decrypt", "ebs", null, null);
        assertEquals(null, refusal(STORE, DataOperation.WRAP, viaEbs));
        assertEquals(AccessRefusal.Kind.CONDITIONS_UNMET, refusal(STORE, DataOperation.WRAP, direct).kind());
        assertEquals(AccessRefusal.Kind.NOT_PERMITTED, refusal(STORE, DataOperation.REWRAP, viaEbs).kind());
        AccessRefusal denied = refusal(STORE, DataOperation.UNWRAP, test);
        assertEquals(AccessRefusal.Kind.DENIED_BY_RULE, denied.kind());
        assertTrue(denied.message().contains("rules[1]"), "names the statement responsible: " + denied.message());
        assertEquals("DENIED_BY_RULE:rules[1]", denied.cause());
        assertEquals("CONDITIONS_UNMET", refusal(STORE, DataOperation.WRAP, direct).cause());
        assertFalse(denied.message().contains("role/test"), "never a request value: " + denied.message());
    }

    @Test
    void denyWinsOverALiveGrant() {
        grants.create(new GrantTerms(KEY, STORE.name(), List.of("UNWRAP"), Map.of(), START, START.plus(Duration.ofDays(1))));
        RequestMetadata test = new RequestMetadata("arn:aws:iam::111122223333:role/test", "Decrypt", null, null, null);
        RequestMetadata other = new RequestMetadata("arn:aws:iam::111122223333:role/app", "Decrypt", null, null, null);
        assertEquals(AccessRefusal.Kind.DENIED_BY_RULE, refusal(STORE, DataOperation.UNWRAP, test).kind());
        assertEquals(null, refusal(STORE, DataOperation.UNWRAP, other), "the grant allows what no condition holds for");
    }

    @Test
    void aGrpcCallNeverMeetsARuleWithConditions() {
        denied(ErrorReason.PERMISSION_DENIED, () -> decider.check(STORE, DataOperation.WRAP, secondary, KEY, Map.of(), START));
        KeyAccessPolicy grpcDeny = KeyAccessPolicy.of(new KeyAccessPolicy.Written(List.of(
                new KeyAccessPolicy.WrittenRule(List.of("spiffe://coffre.dev/*"), List.of("WRAP")),
                new KeyAccessPolicy.WrittenRule(List.of("spiffe://coffre.dev/batch"), List.of("WRAP"), List.of(), "DENY"),
                new KeyAccessPolicy.WrittenRule(List.of("spiffe://coffre.dev/billing/*"), List.of("WRAP"),
                        List.of(new KeyAccessPolicy.WrittenCondition("kms_operation", List.of("*"))), "DENY")),
                List.of()));
        KmsException e = denied(ErrorReason.PERMISSION_DENIED,
                () -> decider.check(BATCH, DataOperation.WRAP, grpcDeny, KEY, Map.of(), START));
        assertTrue(e.getMessage().contains("rules[1]"), e.getMessage());
        assertDoesNotThrow(() -> decider.check(BILLING, DataOperation.WRAP, grpcDeny, KEY, Map.of(), START),
                "a DENY rule with conditions never refuses a call without request metadata");
    }
}
