package coffre.kms.server.keys;

import static coffre.kms.server.domain.DataOperation.REWRAP;
import static coffre.kms.server.domain.DataOperation.UNWRAP;
import static coffre.kms.server.domain.DataOperation.WRAP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.RequestCondition;
import coffre.kms.v1.RuleEffect;
import java.util.Collections;
import java.util.List;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class KeyAccessPolicyTest {
    private static final String LONG = "x".repeat(KeyAccessPolicy.MAX_STRING_CHARS + 1);

    static AccessRule rule(String principal, DataOperation... ops) {
        return AccessRule.newBuilder().addPrincipals(principal).addAllOperations(java.util.List.of(ops)).build();
    }

    static AccessPolicy.Builder oneRule() {
        return AccessPolicy.newBuilder().addRules(rule("svc", DataOperation.WRAP));
    }

    static Stream<Arguments> invalidPolicies() {
        AccessPolicy.Builder tooManyRules = AccessPolicy.newBuilder();
        IntStream.range(0, 65).forEach(i -> tooManyRules.addRules(rule("svc-" + i, DataOperation.WRAP)));
        AccessRule.Builder tooManyPrincipals = AccessRule.newBuilder().addOperations(DataOperation.WRAP);
        IntStream.range(0, 65).forEach(i -> tooManyPrincipals.addPrincipals("svc-" + i));
        AccessPolicy.Builder tooManyRequirements = oneRule();
        IntStream.range(0, 33).forEach(i -> tooManyRequirements.addRequiredContext(
                ContextRequirement.newBuilder().setKey("k" + i)));
        return Stream.of(
                Arguments.of("65 rules", tooManyRules.build(), "rules", "64"),
                Arguments.of("65 principals in a rule",
                        AccessPolicy.newBuilder().addRules(tooManyPrincipals).build(), "rules[0].principals", "64"),
                Arguments.of("rule without principals", AccessPolicy.newBuilder()
                        .addRules(AccessRule.newBuilder().addOperations(DataOperation.WRAP)).build(),
                        "rules[0].principals", null),
                Arguments.of("blank principal", oneRule().addRules(rule(" ", DataOperation.WRAP)).build(),
                        "rules[1].principals[0]", null),
                Arguments.of("principal of 257 characters", oneRule().addRules(rule(LONG, DataOperation.WRAP)).build(),
                        "rules[1].principals[0]", "256"),
                Arguments.of("principal with a control character",
                        oneRule().addRules(rule("svc\n", DataOperation.WRAP)).build(), "rules[1].principals[0]", null),
                Arguments.of("rule without operations", AccessPolicy.newBuilder()
                        .addRules(AccessRule.newBuilder().addPrincipals("svc")).build(), "rules[0].operations", null),
                Arguments.of("UNSPECIFIED operation", AccessPolicy.newBuilder().addRules(
                        rule("svc", DataOperation.WRAP, DataOperation.DATA_OPERATION_UNSPECIFIED)).build(),
                        "rules[0].operations[1]", null),
                Arguments.of("unknown operation number", AccessPolicy.newBuilder().addRules(
                        AccessRule.newBuilder().addPrincipals("svc").addOperationsValue(99)).build(),
                        "rules[0].operations[0]", null),
                Arguments.of("33 context requirements", tooManyRequirements.build(), "required_context", "32"),
                Arguments.of("empty context key", oneRule().addRequiredContext(
                        ContextRequirement.newBuilder().setKey("")).build(), "required_context[0].key", null),
                Arguments.of("context key of 257 characters", oneRule().addRequiredContext(
                        ContextRequirement.newBuilder().setKey(LONG)).build(), "required_context[0].key", "256"),
                Arguments.of("duplicate context key", oneRule()
                        .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant").addAllowedValues("a"))
                        .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant").addAllowedValues("b"))
                        .build(), "required_context[1].key", null),
                Arguments.of("33 allowed values", oneRule().addRequiredContext(ContextRequirement.newBuilder()
                        .setKey("tenant").addAllAllowedValues(Collections.nCopies(33, "v"))).build(),
                        "required_context[0].allowed_values", "32"),
                Arguments.of("allowed value of 257 characters", oneRule().addRequiredContext(
                        ContextRequirement.newBuilder().setKey("tenant").addAllowedValues("ok").addAllowedValues(LONG))
                        .build(), "required_context[0].allowed_values[1]", "256"),
                Arguments.of("unknown condition attribute", conditional(condition("aws_region", "eu-west-1")),
                        "rules[0].conditions[0].attribute", null),
                Arguments.of("attribute in another spelling", conditional(condition("awsPrincipalArn", "x")),
                        "rules[0].conditions[0].attribute", null),
                Arguments.of("condition without values", conditional(condition("kms_operation")),
                        "rules[0].conditions[0].values", null),
                Arguments.of("33 condition values", conditional(condition("kms_operation",
                        Collections.nCopies(33, "Encrypt").toArray(String[]::new))), "rules[0].conditions[0].values", "32"),
                Arguments.of("blank condition value", conditional(condition("kms_via_service", "ebs", " ")),
                        "rules[0].conditions[0].values[1]", null),
                Arguments.of("condition value of 2049 characters", conditional(condition("aws_principal_arn",
                        "arn:" + "x".repeat(2045))), "rules[0].conditions[0].values[0]", "2048"),
                Arguments.of("condition value with white space around", conditional(condition("kms_via_service",
                        "ebs ")), "rules[0].conditions[0].values[0]", null),
                Arguments.of("one attribute tested twice", conditional(condition("kms_via_service", "ebs"),
                        condition("kms_via_service", "s3")), "rules[0].conditions[1].attribute", null),
                Arguments.of("unknown effect number", AccessPolicy.newBuilder().addRules(rule("svc", DataOperation.WRAP)
                        .toBuilder().setEffectValue(5)).build(), "rules[0].effect", null));
    }

    static RequestCondition condition(String attribute, String... values) {
        return RequestCondition.newBuilder().setAttribute(attribute).addAllValues(List.of(values)).build();
    }

    static AccessPolicy conditional(RequestCondition... conditions) {
        return AccessPolicy.newBuilder().addRules(rule("xks:store", DataOperation.WRAP).toBuilder()
                .addAllConditions(List.of(conditions))).build();
    }

    static final Principal STORE = new Principal("xks:eu-store");

    static coffre.kms.server.domain.RequestMetadata request(String principalArn, String operation, String via) {
        return new coffre.kms.server.domain.RequestMetadata(principalArn, operation, via, null, null);
    }

    /** xks:eu-store may wrap and unwrap when called for role/app-* through EBS; nobody may unwrap for role/app-test. */
    static final KeyAccessPolicy SECONDARY = SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder()
            .addRules(AccessRule.newBuilder().addPrincipals("xks:eu-store").addOperations(DataOperation.WRAP)
                    .addOperations(DataOperation.UNWRAP)
                    .addConditions(condition("aws_principal_arn", "arn:aws:iam::111122223333:role/app-*"))
                    .addConditions(condition("kms_via_service", "ebs")))
            .addRules(AccessRule.newBuilder().addPrincipals("xks:*").addPrincipals("spiffe://coffre.dev/*")
                    .addOperations(DataOperation.UNWRAP).setEffect(RuleEffect.DENY)
                    .addConditions(condition("aws_principal_arn", "arn:aws:iam::111122223333:role/app-test")))
            .addRules(rule("spiffe://coffre.dev/billing", DataOperation.WRAP, DataOperation.UNWRAP))
            .build());

    @Test
    void conditionsMustAllHoldAndOnlyOnCallsWithRequestMetadata() {
        var ok = request("arn:aws:iam::111122223333:role/app-orders", "Encrypt", "ebs");
        assertEquals(KeyAccessPolicy.Verdict.ALLOWED, SECONDARY.decide(STORE, WRAP, ok));
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, SECONDARY.decide(STORE, WRAP,
                request("arn:aws:iam::111122223333:role/app-orders", "Encrypt", "s3")), "every condition must hold");
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, SECONDARY.decide(STORE, WRAP,
                request("arn:aws:iam::111122223333:role/app-orders", "Encrypt", null)), "an absent attribute never matches");
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, SECONDARY.decide(STORE, WRAP,
                request("arn:aws:iam::999999999999:role/app-orders", "Encrypt", "ebs")));
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, SECONDARY.decide(STORE, WRAP, null),
                "a rule with conditions never matches a call without request metadata");
        assertFalse(SECONDARY.allows(STORE, WRAP));
        assertEquals(KeyAccessPolicy.Verdict.NO_RULE, SECONDARY.decide(STORE, REWRAP, ok));
        assertEquals(KeyAccessPolicy.Verdict.NO_RULE, SECONDARY.decide(new Principal("xks:other"), WRAP, ok));
    }

    @Test
    void denyWinsAndAConditionalDenyNeverTouchesGrpcCalls() {
        var test = request("arn:aws:iam::111122223333:role/app-test", "Decrypt", "ebs");
        assertEquals(KeyAccessPolicy.Verdict.ALLOWED, SECONDARY.decide(STORE, WRAP, test), "the DENY rule lists UNWRAP only");
        assertEquals(KeyAccessPolicy.Verdict.DENIED, SECONDARY.decide(STORE, UNWRAP, test), "deny wins over the ALLOW rule");
        assertEquals(java.util.Optional.of("rules[1]"), SECONDARY.denyingRule(STORE, UNWRAP, test));
        assertEquals(java.util.Optional.empty(), SECONDARY.denyingRule(STORE, WRAP, test));

        Principal billing = new Principal("spiffe://coffre.dev/billing");
        assertTrue(SECONDARY.allows(billing, UNWRAP), "a gRPC call carries no request metadata: the conditional DENY "
                + "rule does not apply to it");
        assertEquals(KeyAccessPolicy.Verdict.DENIED, SECONDARY.decide(billing, UNWRAP, test),
                "the same principal relaying request metadata meets it");

        KeyAccessPolicy unconditional = SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder()
                .addRules(rule("spiffe://coffre.dev/*", DataOperation.WRAP, DataOperation.UNWRAP))
                .addRules(rule("spiffe://coffre.dev/batch", DataOperation.UNWRAP).toBuilder().setEffect(RuleEffect.DENY))
                .build());
        assertTrue(unconditional.allows(new Principal("spiffe://coffre.dev/batch"), WRAP));
        assertFalse(unconditional.allows(new Principal("spiffe://coffre.dev/batch"), UNWRAP),
                "an unconditional DENY rule applies to gRPC calls too");
        assertTrue(unconditional.allows(new Principal("spiffe://coffre.dev/api"), UNWRAP));
    }

    @Test
    void conditionValuesAreExactOrGlobsAndCaseSensitive() {
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder()
                .addRules(rule("xks:eu-store", DataOperation.WRAP).toBuilder()
                        .addConditions(condition("kms_operation", "Encrypt", "GenerateDataKey*"))
                        .addConditions(condition("aws_source_vpce", "vpce-0?1"))).build());
        var base = new coffre.kms.server.domain.RequestMetadata("AWS Internal", "GenerateDataKeyWithoutPlaintext",
                null, "vpc-1", "vpce-011");
        assertEquals(KeyAccessPolicy.Verdict.ALLOWED, policy.decide(STORE, WRAP, base));
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, policy.decide(STORE, WRAP,
                new coffre.kms.server.domain.RequestMetadata("AWS Internal", "encrypt", null, "vpc-1", "vpce-011")));
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, policy.decide(STORE, WRAP,
                new coffre.kms.server.domain.RequestMetadata("AWS Internal", "Encrypt", null, "vpc-1", "vpce-0111")));
    }

    @Test
    void tokenClaimConditionsMatchAnyValueOfAMultiValuedClaim() {
        Principal alice = new Principal("dke:alice@example.eu");
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder()
                .addRules(rule("dke:*@example.eu", DataOperation.WRAP).toBuilder()
                        .addConditions(condition("tid", "72f988bf-86f1-41af-91ab-2d7cd011db47"))
                        .addConditions(condition("groups", "g-finance", "g-legal-*"))
                        .addConditions(condition("upn", "*@example.eu")))
                .addRules(rule("dke:*", DataOperation.WRAP).toBuilder().setEffect(RuleEffect.DENY)
                        .addConditions(condition("roles", "Dke.Blocked")))
                .build());
        var member = coffre.kms.server.domain.RequestMetadata.ofClaims("72f988bf-86f1-41af-91ab-2d7cd011db47",
                "alice@example.eu", null, List.of("g-readers", "g-legal-paris"), List.of());
        assertEquals(KeyAccessPolicy.Verdict.ALLOWED, policy.decide(alice, WRAP, member), "one group of several matches");
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, policy.decide(alice, WRAP,
                coffre.kms.server.domain.RequestMetadata.ofClaims("72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "alice@example.eu", null, List.of("g-readers"), List.of())), "no group matches");
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, policy.decide(alice, WRAP,
                coffre.kms.server.domain.RequestMetadata.ofClaims("00000000-0000-0000-0000-000000000000",
                        "alice@example.eu", null, List.of("g-finance"), List.of())), "another tenant");
        assertEquals(KeyAccessPolicy.Verdict.DENIED, policy.decide(alice, WRAP,
                coffre.kms.server.domain.RequestMetadata.ofClaims("72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "alice@example.eu", null, List.of("g-finance"), List.of("Dke.Reader", "Dke.Blocked"))),
                "a DENY on one role of several");
        assertEquals(KeyAccessPolicy.Verdict.CONDITIONS_UNMET, policy.decide(alice, WRAP,
                new coffre.kms.server.domain.RequestMetadata("arn:aws:iam::1:role/x", "Encrypt", null, null, null)),
                "an XKS call carries no claims");
    }

    @Test
    void upnAndEmailConditionsAreWrittenInLowerCase() {
        KmsException e = assertThrows(KmsException.class, () -> SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder()
                .addRules(rule("dke:*", DataOperation.WRAP).toBuilder()
                        .addConditions(condition("upn", "Alice@Example.eu"))).build()));
        assertEquals(ErrorReason.INVALID_POLICY, e.reason());
        assertEquals("rules[0].conditions[0].values[0]", e.metadata().get("field"));
        assertTrue(e.getMessage().contains("lower case"), e.getMessage());
    }

    @Test
    void conditionsAndEffectsReadBackAsWrittenAndOldPoliciesEncodeAsBefore() {
        AccessPolicy proto = AccessPolicy.newBuilder()
                .addRules(rule("xks:a", DataOperation.WRAP).toBuilder()
                        .addConditions(condition("kms_via_service", "s3", "ebs")).setEffect(RuleEffect.DENY))
                .addRules(rule("svc", DataOperation.UNWRAP)).build();
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(proto);
        assertEquals(proto, SignedDocumentCodec.toProto(policy));
        assertEquals(PolicyRule.Effect.DENY, policy.rules().get(0).effect());
        assertEquals(coffre.kms.server.domain.RequestMetadata.Attribute.KMS_VIA_SERVICE,
                policy.rules().get(0).conditions().get(0).attribute());
        assertEquals(List.of("s3", "ebs"), policy.rules().get(0).conditions().get(0).values());
        AccessPolicy old = AccessPolicy.newBuilder().addRules(rule("svc", DataOperation.UNWRAP)).build();
        assertArrayEquals(old.toByteArray(), SignedDocumentCodec.toProto(SignedDocumentCodec.accessPolicy(old))
                .toByteArray(), "a policy without conditions or effects keeps its stored bytes");
    }

    @Test
    void conditionLimitsThemselvesAreAccepted() {
        AccessRule.Builder full = rule("xks:store", DataOperation.WRAP).toBuilder();
        for (coffre.kms.server.domain.RequestMetadata.Attribute a : coffre.kms.server.domain.RequestMetadata.Attribute.values()) {
            full.addConditions(condition(a.wireName(), Collections.nCopies(32, "v".repeat(2048)).toArray(String[]::new)));
        }
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder().addRules(full).build());
        assertEquals(coffre.kms.server.domain.RequestMetadata.Attribute.values().length, policy.rules().get(0).conditions().size(),
                "one condition per attribute, the AWS request metadata and the DKE token claims");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPolicies")
    void invalidPoliciesAreRefusedNamingTheField(String name, AccessPolicy proto, String field, String limit) {
        KmsException e = assertThrows(KmsException.class, () -> SignedDocumentCodec.accessPolicy(proto));
        assertEquals(ErrorReason.INVALID_POLICY, e.reason());
        assertEquals(field, e.metadata().get("field"));
        assertEquals(limit, e.metadata().get("limit"));
    }

    @Test
    void limitsThemselvesAreAccepted() {
        AccessPolicy.Builder proto = AccessPolicy.newBuilder();
        AccessRule.Builder wide = AccessRule.newBuilder().addOperations(DataOperation.WRAP);
        IntStream.range(0, 64).forEach(i -> wide.addPrincipals("p".repeat(256 - 3) + String.format("%03d", i)));
        proto.addRules(wide);
        IntStream.range(1, 64).forEach(i -> proto.addRules(rule("svc-" + i, DataOperation.UNWRAP)));
        IntStream.range(0, 32).forEach(i -> proto.addRequiredContext(ContextRequirement.newBuilder()
                .setKey("k".repeat(250) + i).addAllAllowedValues(Collections.nCopies(32, "v".repeat(256)))));
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(proto.build());
        assertEquals(64, policy.rules().size());
        assertEquals(32, policy.requiredContext().size());
    }

    @Test
    void emptyPolicyAllowsNobody() {
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(AccessPolicy.getDefaultInstance());
        assertSame(KeyAccessPolicy.EMPTY, policy);
        for (coffre.kms.server.domain.DataOperation op : coffre.kms.server.domain.DataOperation.values()) {
            assertFalse(policy.allows(new Principal("anyone"), op));
        }
        assertEquals(AccessPolicy.getDefaultInstance(), SignedDocumentCodec.toProto(policy));
    }

    @Test
    void globsAndExactNamesMatchThroughThePolicy() {
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("spiffe://coffre.dev/billing/*")
                        .addPrincipals("batch-?").addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP))
                .addRules(rule("spiffe://coffre.dev/audit", DataOperation.UNWRAP))
                .build());
        assertTrue(policy.allows(new Principal("spiffe://coffre.dev/billing/api"), WRAP));
        assertTrue(policy.allows(new Principal("spiffe://coffre.dev/billing/a/b"), UNWRAP));
        assertTrue(policy.allows(new Principal("batch-7"), UNWRAP));
        assertTrue(policy.allows(new Principal("spiffe://coffre.dev/audit"), UNWRAP));

        assertFalse(policy.allows(new Principal("batch-17"), WRAP), "? is one character");
        assertFalse(policy.allows(new Principal("spiffe://coffre.dev/billing"), WRAP));
        assertFalse(policy.allows(new Principal("spiffe://coffre.dev/audit"), WRAP),
                "a matching rule must list the operation");
        assertFalse(policy.allows(new Principal("spiffe://coffre.dev/billing/api"), REWRAP));
        assertFalse(policy.allows(new Principal("spiffe://coffre.dev/audit/x"), UNWRAP),
                "exact names match whole names only");
    }

    @Test
    void requiredContextNeedsTheKeyAndAnAllowedValue() {
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(oneRule()
                .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant").addAllowedValues("acme")
                        .addAllowedValues("globex"))
                .addRequiredContext(ContextRequirement.newBuilder().setKey("purpose"))
                .build());
        assertNull(policy.firstUnmet(Map.of("tenant", "acme", "purpose", "", "extra", "x")));
        assertEquals("tenant", policy.firstUnmet(Map.of("purpose", "p")).key());
        assertEquals("tenant", policy.firstUnmet(Map.of("tenant", "initech", "purpose", "p")).key());
        assertEquals("purpose", policy.firstUnmet(Map.of("tenant", "globex")).key());
        assertEquals("tenant", policy.firstUnmet(null).key());
    }

    @Test
    void readsBackAsWrittenAndDecidesWithEachOperationOnce() {
        AccessPolicy proto = AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("svc-*").addPrincipals("admin")
                        .addOperations(DataOperation.UNWRAP).addOperations(DataOperation.WRAP)
                        .addOperations(DataOperation.UNWRAP))
                .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant").addAllowedValues("b")
                        .addAllowedValues("a").addAllowedValues("b"))
                .build();
        AccessPolicy canonical = AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("svc-*").addPrincipals("admin")
                        .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP))
                .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant").addAllowedValues("b")
                        .addAllowedValues("a"))
                .build();
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(proto);
        assertEquals(proto, SignedDocumentCodec.toProto(policy), "a key shows and stores the policy officers signed");
        assertEquals(policy, SignedDocumentCodec.accessPolicy(SignedDocumentCodec.toProto(policy)));
        assertEquals(EnumSet.of(WRAP, UNWRAP), policy.rules().get(0).operations());
        assertEquals(Set.of("a", "b"), policy.requiredContext().get(0).allowedValues());
        KeyAccessPolicy same = SignedDocumentCodec.accessPolicy(canonical);
        assertEquals(policy.rules(), same.rules(), "the same decisions");
        assertNotEquals(policy, same, "equality is that of the written form");
    }

    @Test
    void aStoredPolicyThatNoLongerValidatesIsKeptAndRefusesEveryCheck() {
        AccessPolicy proto = AccessPolicy.newBuilder()
                .addRules(rule("svc", DataOperation.WRAP))
                .addRules(AccessRule.newBuilder().addPrincipals("SPIFFE://Coffre.dev/x").addOperationsValue(99))
                .build();
        KmsException refused = assertThrows(KmsException.class, () -> SignedDocumentCodec.accessPolicy(proto));
        KeyAccessPolicy stored = SignedDocumentCodec.storedAccessPolicy(proto);
        assertEquals(proto, SignedDocumentCodec.toProto(stored), "kept as stored, unknown operation number included");
        for (Runnable check : List.<Runnable>of(() -> stored.allows(new Principal("svc"), WRAP),
                () -> stored.firstUnmet(Map.of()))) {
            KmsException e = assertThrows(KmsException.class, check::run);
            assertEquals(ErrorReason.INVALID_POLICY, e.reason());
            assertEquals(refused.getMessage(), e.getMessage());
            assertEquals("rules[1].principals[0]", e.metadata().get("field"));
        }
        assertSame(KeyAccessPolicy.EMPTY, SignedDocumentCodec.storedAccessPolicy(AccessPolicy.getDefaultInstance()));
    }
}
