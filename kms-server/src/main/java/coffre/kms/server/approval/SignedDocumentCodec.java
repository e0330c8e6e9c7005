package coffre.kms.server.approval;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantTerms;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.RequestCondition;
import coffre.kms.v1.RuleEffect;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maps the parts of a signed {@code Operation} that name domain values (an access policy, the terms
 * of a grant, data operations) to those values and back. Officers sign protobuf bytes, so these
 * messages are a serialization format, not an RPC dependency: the approval engine decodes the
 * operations it executes with this, the gRPC edge the same messages in requests and answers, and
 * the store the access policy it keeps in that encoding.
 *
 * <p>Decoding checks only what the wire format alone can get wrong (a timestamp no instant
 * matches); the domain validates the rest, field by field. A policy comes back exactly as it was
 * written (order and repeats kept), so a key shows, and the store keeps, the policy officers signed.
 */
public final class SignedDocumentCodec {
    private SignedDocumentCodec() {
    }

    /**
     * @throws KmsException {@link ErrorReason#INVALID_POLICY} naming the field (see
     *                      {@link KeyAccessPolicy#of})
     */
    public static KeyAccessPolicy accessPolicy(AccessPolicy proto) {
        return KeyAccessPolicy.of(written(proto));
    }

    /** A policy read from the store: one that no longer validates is kept (see {@link KeyAccessPolicy#asStored}). */
    public static KeyAccessPolicy storedAccessPolicy(AccessPolicy proto) {
        return KeyAccessPolicy.asStored(written(proto));
    }

    public static AccessPolicy toProto(KeyAccessPolicy policy) {
        AccessPolicy.Builder out = AccessPolicy.newBuilder();
        for (KeyAccessPolicy.WrittenRule rule : policy.written().rules()) {
            AccessRule.Builder proto = AccessRule.newBuilder().addAllPrincipals(rule.principals());
            rule.operations().forEach(name -> proto.addOperationsValue(operationNumber(name)));
            rule.conditions().forEach(condition -> proto.addConditions(RequestCondition.newBuilder()
                    .setAttribute(condition.attribute()).addAllValues(condition.values())));
            // ALLOW is the default (0): a rule without an effect encodes as it did before effects existed.
            proto.setEffectValue(effectNumber(rule.effect()));
            out.addRules(proto);
        }
        for (KeyAccessPolicy.WrittenRequirement requirement : policy.written().requiredContext()) {
            out.addRequiredContext(ContextRequirement.newBuilder().setKey(requirement.key())
                    .addAllAllowedValues(requirement.allowedValues()));
        }
        return out.build();
    }

    /**
     * The terms of a grant as signed.
     *
     * @throws KmsException {@link ErrorReason#INVALID_GRANT} for a {@code not_before} or
     *                      {@code not_after} that is not a valid timestamp
     */
    public static GrantTerms grantTerms(GrantSpec spec) {
        List<String> operations = new ArrayList<>(spec.getOperationsCount());
        for (int i = 0; i < spec.getOperationsCount(); i++) {
            operations.add(operationName(spec.getOperations(i), spec.getOperationsValue(i)));
        }
        return new GrantTerms(spec.getKeyId(), spec.getPrincipal(), operations, spec.getContextConstraintsMap(),
                spec.hasNotBefore() ? instant(spec.getNotBefore(), "not_before") : null,
                spec.hasNotAfter() ? instant(spec.getNotAfter(), "not_after") : null);
    }

    /** The terms of a grant that exists, as {@code Grant.spec} shows them. */
    public static GrantSpec grantSpec(GrantRecord grant) {
        GrantSpec.Builder spec = GrantSpec.newBuilder()
                .setKeyId(grant.keyId().value())
                .setPrincipal(grant.principal().name())
                .putAllContextConstraints(grant.contextConstraints())
                .setNotBefore(timestamp(grant.notBefore()))
                .setNotAfter(timestamp(grant.notAfter()));
        grant.operations().forEach(op -> spec.addOperations(toProto(op)));
        return spec.build();
    }

    /**
     * A key spec as signed (or requested); zero is {@link KeySpec#AES_256}.
     *
     * @throws KmsException {@link ErrorReason#INVALID_KEY_SPEC} for a number this build does not know
     */
    public static KeySpec keySpec(coffre.kms.v1.KeySpec spec, int number) {
        return KeySpec.require(spec == coffre.kms.v1.KeySpec.UNRECOGNIZED ? Integer.toString(number) : spec.name());
    }

    /**
     * A key usage as signed (or requested); zero is {@link KeyUsage#ENCRYPT_DECRYPT}.
     *
     * @throws KmsException {@link ErrorReason#INVALID_KEY_SPEC} for a number this build does not know
     */
    public static KeyUsage keyUsage(coffre.kms.v1.KeyUsage usage, int number) {
        return KeyUsage.require(usage == coffre.kms.v1.KeyUsage.UNRECOGNIZED ? Integer.toString(number) : usage.name());
    }

    public static coffre.kms.v1.KeySpec toProto(KeySpec spec) {
        return coffre.kms.v1.KeySpec.valueOf(spec.name());
    }

    public static coffre.kms.v1.KeyUsage toProto(KeyUsage usage) {
        return coffre.kms.v1.KeyUsage.valueOf(usage.name());
    }

    public static coffre.kms.v1.DataOperation toProto(DataOperation op) {
        return coffre.kms.v1.DataOperation.valueOf(op.name());
    }

    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static KeyAccessPolicy.Written written(AccessPolicy proto) {
        if (proto == null) {
            return new KeyAccessPolicy.Written(List.of(), List.of());
        }
        List<KeyAccessPolicy.WrittenRule> rules = new ArrayList<>(proto.getRulesCount());
        for (AccessRule rule : proto.getRulesList()) {
            List<String> operations = new ArrayList<>(rule.getOperationsCount());
            for (int i = 0; i < rule.getOperationsCount(); i++) {
                operations.add(operationName(rule.getOperations(i), rule.getOperationsValue(i)));
            }
            List<KeyAccessPolicy.WrittenCondition> conditions = new ArrayList<>(rule.getConditionsCount());
            for (RequestCondition condition : rule.getConditionsList()) {
                conditions.add(new KeyAccessPolicy.WrittenCondition(condition.getAttribute(), condition.getValuesList()));
            }
            String effect = rule.getEffect() == RuleEffect.UNRECOGNIZED ? Integer.toString(rule.getEffectValue())
                    : rule.getEffect().name();
            rules.add(new KeyAccessPolicy.WrittenRule(rule.getPrincipalsList(), operations, conditions, effect));
        }
        List<KeyAccessPolicy.WrittenRequirement> required = new ArrayList<>(proto.getRequiredContextCount());
        for (ContextRequirement requirement : proto.getRequiredContextList()) {
            required.add(new KeyAccessPolicy.WrittenRequirement(requirement.getKey(), requirement.getAllowedValuesList()));
        }
        return new KeyAccessPolicy.Written(rules, required);
    }

    /**
     * The enum value's name, for the domain to accept or refuse; a number this build does not know
     * is named by its digits, so that it reads back as the same number.
     */
    private static String operationName(coffre.kms.v1.DataOperation op, int number) {
        return op == coffre.kms.v1.DataOperation.UNRECOGNIZED ? Integer.toString(number) : op.name();
    }

    private static int operationNumber(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return coffre.kms.v1.DataOperation.valueOf(name).getNumber();
        }
    }

    /** As {@link #operationNumber}: an effect this build does not know was kept as its digits. */
    private static int effectNumber(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return RuleEffect.valueOf(name).getNumber();
        }
    }

    /** Seconds and nanoseconds that some {@link Instant} holds; the domain checks the range it accepts. */
    private static Instant instant(Timestamp ts, String field) {
        if (ts.getNanos() < 0 || ts.getNanos() > 999_999_999
                || ts.getSeconds() < Instant.MIN.getEpochSecond() || ts.getSeconds() > Instant.MAX.getEpochSecond()) {
            throw new KmsException(ErrorReason.INVALID_GRANT, field + ": not a valid timestamp", Map.of("field", field));
        }
        return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    }
}
