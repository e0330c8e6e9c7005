package coffre.kms.server.fuzz;

import static coffre.kms.server.fuzz.FuzzChecks.succeedsOrFailsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.OfficerRules;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Officer;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Set;

/**
 * Fuzz tests of request validation (docs/fuzzing.md): key references, CreateKey's attributes and
 * access policy, grant specs and officer records only ever fail with a {@code KmsException} of the
 * reason their contract names — never a NullPointerException, IllegalArgumentException or the like
 * that would reach the caller as INTERNAL — and what they accept is canonical.
 */
class RequestValidationFuzzTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Parsed as the UTF-8 text of a {@code key_id} field. */
    @FuzzTest
    void keyReferenceParse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        KeyReference reference = succeedsOrFailsWith(
                Set.of(ErrorReason.MISSING_FIELD, ErrorReason.INVALID_KEY_ID, ErrorReason.INVALID_ALIAS),
                () -> KeyReference.parse(text, "key_id"));
        if (reference != null) {
            String printed = switch (reference) {
                case KeyReference.ById byId -> byId.id().value();
                case KeyReference.ByAlias byAlias -> Alias.PREFIX + byAlias.alias().value();
            };
            assertEquals(text, printed, "a parsed reference prints as the text it came from");
        }
    }

    /** The validation {@code KeyHandlers.createKey} runs before it asks for approval. */
    @FuzzTest
    void createKeyRequest(byte[] input) {
        CreateKeyRequest request;
        try {
            request = CreateKeyRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        KeyAttributes attributes = succeedsOrFailsWith(
                Set.of(ErrorReason.INVALID_ALIAS, ErrorReason.INVALID_DESCRIPTION, ErrorReason.INVALID_LABELS),
                () -> new KeyAttributes(request.getAlias().isEmpty() ? null : new Alias(request.getAlias()),
                        request.getDescription(), request.getLabelsMap()));
        if (attributes != null) {
            assertEquals(request.getLabelsMap(), attributes.labels());
            assertTrue(attributes.description().length() <= KeyAttributes.MAX_DESCRIPTION_CHARS);
            checkPolicy(request.getAccessPolicy());
        }
    }

    /** An accepted policy reads back as itself, and that form is accepted again as the same policy. */
    @FuzzTest
    void accessPolicyFromProto(byte[] input) {
        try {
            checkPolicy(AccessPolicy.parseFrom(input));
        } catch (InvalidProtocolBufferException e) {
            // not a policy the API could receive
        }
    }

    private static void checkPolicy(AccessPolicy proto) {
        KeyAccessPolicy policy = succeedsOrFailsWith(Set.of(ErrorReason.INVALID_POLICY),
                () -> SignedDocumentCodec.accessPolicy(proto));
        if (policy != null) {
            AccessPolicy written = SignedDocumentCodec.toProto(policy);
            KeyAccessPolicy again = SignedDocumentCodec.accessPolicy(written);
            assertEquals(policy, again);
            assertEquals(written, SignedDocumentCodec.toProto(again), "the written form is a fixed point");
            assertEquals(SignedDocumentCodec.storedAccessPolicy(written), policy, "the store reads back the same policy");
        }
    }

    /** An accepted grant is live before it ends, and its own spec gives the same grant again. */
    @FuzzTest
    void grantRecordCreate(byte[] input) {
        GrantSpec spec;
        try {
            spec = GrantSpec.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        GrantRecord grant = succeedsOrFailsWith(Set.of(ErrorReason.INVALID_GRANT),
                () -> GrantRecord.create(SignedDocumentCodec.grantTerms(spec), NOW, RANDOM));
        if (grant != null) {
            assertTrue(grant.notAfter().isAfter(NOW) && grant.notAfter().isAfter(grant.notBefore()));
            GrantSpec terms = SignedDocumentCodec.grantSpec(grant);
            GrantRecord again = GrantRecord.create(SignedDocumentCodec.grantTerms(terms), NOW, RANDOM);
            assertEquals(terms, SignedDocumentCodec.grantSpec(again), "a stored grant reads back equal");
        }
    }

    @FuzzTest
    void officerRulesValidate(byte[] input) {
        Officer officer;
        try {
            officer = Officer.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        succeedsOrFailsWith(Set.of(ErrorReason.INVALID_OFFICER), () -> {
            OfficerRules.validate(OfficerRecord.admitted(officer, NOW));
            return officer;
        });
    }
}
