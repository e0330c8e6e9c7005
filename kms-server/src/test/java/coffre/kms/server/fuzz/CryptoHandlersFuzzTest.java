package coffre.kms.server.fuzz;

import static coffre.kms.server.fuzz.FuzzChecks.succeedsOrFailsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import coffre.hsm.HsmKeyRef;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.crypto.Envelope;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.LiveKey;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.crypto.GenerateDataKeyHandler;
import coffre.kms.server.grpc.crypto.RewrapHandler;
import coffre.kms.server.grpc.crypto.UnwrapHandler;
import coffre.kms.server.grpc.crypto.WrapHandler;
import coffre.kms.server.testing.SoftwareHsm;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Fuzz tests of the CryptoService handlers over a software HSM (docs/fuzzing.md). Arbitrary request
 * messages only fail with reasons of the INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED and
 * FAILED_PRECONDITION families (never INTERNAL, never a raw exception); what Wrap and GenerateDataKey
 * return always unwraps to the same plaintext; no made-up or altered envelope ever opens, and each
 * is refused with the one uniform DECRYPTION_FAILED.
 *
 * <p>The keys have fixed ids so that seeds can name them: {@code key-aaa…} (alias {@code fuzz},
 * versions 1 and 2, primary 2), {@code key-bbb…} disabled, {@code key-ccc…} pending deletion,
 * {@code key-ddd…} break-glass (every unwrap needs approval), {@code key-eee…} destroyed. Access is a
 * stand-in, not the real policy engine: a context holding the key {@code deny} is PERMISSION_DENIED,
 * {@code tenant=evil} is CONTEXT_NOT_ALLOWED.
 */
class CryptoHandlersFuzzTest {
    private static final Principal CALLER = new Principal("spiffe://coffre.test/service/fuzz");
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final String UNIFORM = KmsException.decryptionFailed().getMessage();

    /** What a client may see for bad input: the four "your request" families of ErrorMapping. */
    private static final Set<ErrorReason> EXPECTED = EnumSet.of(
            ErrorReason.MISSING_FIELD, ErrorReason.INVALID_KEY_ID, ErrorReason.INVALID_ALIAS,
            ErrorReason.PLAINTEXT_TOO_LARGE, ErrorReason.INVALID_ENCRYPTION_CONTEXT,
            ErrorReason.INVALID_DATA_KEY_LENGTH, ErrorReason.DECRYPTION_FAILED,
            ErrorReason.KEY_NOT_FOUND,
            ErrorReason.PERMISSION_DENIED, ErrorReason.CONTEXT_NOT_ALLOWED,
            ErrorReason.KEY_DISABLED, ErrorReason.KEY_PENDING_DELETION, ErrorReason.KEY_DESTROYED,
            ErrorReason.APPROVAL_REQUIRED);

    private static final SoftwareHsm HSM = new SoftwareHsm();
    private static final KeyRegistry REGISTRY = new KeyRegistry();
    private static final CryptoOperations CRYPTO = new CryptoOperations(HSM, REGISTRY,
            (caller, operation, key, context) -> {
                if (context.containsKey("deny")) {
                    throw new KmsException(ErrorReason.PERMISSION_DENIED, "denied");
                }
                if ("evil".equals(context.get("tenant"))) {
                    throw new KmsException(ErrorReason.CONTEXT_NOT_ALLOWED, "context not allowed");
                }
            },
            (caller, key, version, envelope, context) -> {
                throw new KmsException(ErrorReason.APPROVAL_REQUIRED, "approval required");
            });
    private static final KeyId MAIN = key('a', "fuzz", 2, null, false);

    static {
        key('b', null, 1, k -> k.withState(coffre.kms.server.keys.KeyState.DISABLED, NOW), false);
        key('c', null, 1, k -> k.withPendingDeletion(NOW.plusSeconds(86_400), NOW), false);
        key('d', "break-glass", 1, k -> k.withUnwrapApproval(true, NOW), false);
        key('e', null, 1, k -> k.destroyed(NOW), true);
    }

    private final WrapHandler wrap = new WrapHandler(CRYPTO);
    private final UnwrapHandler unwrap = new UnwrapHandler(CRYPTO);
    private final GenerateDataKeyHandler generateDataKey = new GenerateDataKeyHandler(CRYPTO);
    private final RewrapHandler rewrap = new RewrapHandler(CRYPTO);

    @FuzzTest
    void wrapRequest(byte[] input) {
        WrapRequest request;
        try {
            request = WrapRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        Reply<WrapResponse> reply = succeedsOrFailsWith(EXPECTED, () -> wrap.handle(CALLER, request));
        if (reply != null) {
            WrapResponse response = reply.message();
            KeyMetadata key = REGISTRY.resolve(KeyReference.parse(request.getKeyId(), "key_id")).metadata();
            assertEquals(key.id().value(), response.getKeyId());
            assertEquals(key.primaryVersion(), response.getKeyVersion(), "wraps use the primary version");
            assertEquals(request.getPlaintext().size() + 18 + 30 + 16, response.getEnvelope().size());
            checkOpens(request.getPlaintext().toByteArray(), response.getEnvelope(), request.getEncryptionContextMap());
        }
    }

    @FuzzTest
    void generateDataKeyRequest(byte[] input) {
        GenerateDataKeyRequest request;
        try {
            request = GenerateDataKeyRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        Reply<GenerateDataKeyResponse> reply = succeedsOrFailsWith(EXPECTED,
                () -> generateDataKey.handle(CALLER, request));
        if (reply != null) {
            GenerateDataKeyResponse response = reply.message();
            int expected = request.getLengthBytes() == 0 ? CryptoOperations.DEFAULT_DATA_KEY_LENGTH : request.getLengthBytes();
            assertEquals(expected, response.getPlaintext().size());
            checkOpens(response.getPlaintext().toByteArray(), response.getEnvelope(), request.getEncryptionContextMap());
        }
    }

    /** Nobody can make an envelope without the key: a made-up one never opens. */
    @FuzzTest
    void unwrapRequest(byte[] input) {
        UnwrapRequest request;
        try {
            request = UnwrapRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        Reply<UnwrapResponse> reply = succeedsOrFailsWith(EXPECTED, () -> unwrap.handle(CALLER, request));
        assertNull(reply, "a made-up envelope opened");
    }

    @FuzzTest
    void rewrapRequest(byte[] input) {
        RewrapRequest request;
        try {
            request = RewrapRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        Reply<RewrapResponse> reply = succeedsOrFailsWith(EXPECTED, () -> rewrap.handle(CALLER, request));
        assertNull(reply, "a made-up envelope was rewrapped");
    }

    /**
     * Wraps fuzz plaintext under a fuzz context, then alters the envelope or the context. Unaltered,
     * it unwraps and rewraps to the same plaintext; altered, Unwrap and Rewrap both refuse with the
     * uniform DECRYPTION_FAILED (or, if the alteration names another existing key, that key's state).
     */
    @FuzzTest
    void alteredEnvelopesNeverOpen(FuzzedDataProvider data) {
        Map<String, String> context = new TreeMap<>();
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            context.put("k" + utf8(data, 8), utf8(data, 16));
        }
        context.remove("deny");
        context.remove("tenant");
        int change = data.consumeInt(0, 5);
        int position = data.consumeInt(0, 1 << 20);
        byte mask = (byte) data.consumeInt(1, 255);
        byte[] plaintext = data.consumeBytes(data.consumeInt(1, 64));
        if (plaintext.length == 0) {
            return;
        }
        byte[] envelope = wrap.handle(CALLER, WrapRequest.newBuilder().setKeyId("alias/fuzz")
                .setPlaintext(ByteString.copyFrom(plaintext)).putAllEncryptionContext(context).build())
                .message().getEnvelope().toByteArray();

        byte[] altered = envelope;
        Map<String, String> alteredContext = context;
        switch (change) {
            case 0 -> { }
            case 1 -> {
                altered = envelope.clone();
                altered[position % envelope.length] ^= mask;
            }
            case 2 -> altered = java.util.Arrays.copyOf(envelope, position % envelope.length);
            case 3 -> altered = java.util.Arrays.copyOf(envelope, envelope.length + 1 + position % 16);
            case 4 -> {
                alteredContext = new TreeMap<>(context);
                alteredContext.put("extra", Integer.toString(position));
            }
            default -> {
                if (context.isEmpty()) {
                    return;
                }
                alteredContext = new TreeMap<>(context);
                alteredContext.remove(alteredContext.keySet().iterator().next());
            }
        }
        UnwrapRequest unwrapRequest = UnwrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(altered))
                .putAllEncryptionContext(alteredContext).build();
        RewrapRequest rewrapRequest = RewrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(altered))
                .putAllEncryptionContext(alteredContext).build();
        if (change == 0) {
            try (var opened = unwrap.handle(CALLER, unwrapRequest).secret()) {
                assertArrayEquals(plaintext, opened.reveal());
            }
            RewrapResponse rewrapped = rewrap.handle(CALLER, rewrapRequest).message();
            assertEquals(MAIN.value(), rewrapped.getSourceKeyId());
            assertArrayEquals(plaintext, opened(rewrapped.getEnvelope(), context));
            return;
        }
        Set<ErrorReason> allowed = namesAnotherExistingKey(altered)
                ? EnumSet.of(ErrorReason.DECRYPTION_FAILED, ErrorReason.KEY_DISABLED,
                        ErrorReason.KEY_PENDING_DELETION, ErrorReason.KEY_DESTROYED, ErrorReason.APPROVAL_REQUIRED)
                : EnumSet.of(ErrorReason.DECRYPTION_FAILED);
        expectRefusal(allowed, () -> unwrap.handle(CALLER, unwrapRequest));
        expectRefusal(allowed, () -> rewrap.handle(CALLER, rewrapRequest));
    }

    private static void expectRefusal(Set<ErrorReason> allowed, Runnable call) {
        try {
            call.run();
        } catch (KmsException e) {
            if (!allowed.contains(e.reason())) {
                throw new AssertionError("refused with the unexpected reason " + e.reason(), e);
            }
            if (e.reason() == ErrorReason.DECRYPTION_FAILED) {
                assertEquals(UNIFORM, e.getMessage());
            }
            return;
        }
        throw new AssertionError("an envelope opened that must not");
    }

    private static boolean namesAnotherExistingKey(byte[] envelope) {
        try {
            KeyId id = Envelope.decode(envelope).keyId();
            return !id.equals(MAIN) && REGISTRY.get(id).isPresent();
        } catch (KmsException e) {
            return false;
        }
    }

    /** The envelope opens to {@code plaintext}; for a break-glass key, only after an approval. */
    private void checkOpens(byte[] plaintext, ByteString envelope, Map<String, String> context) {
        KeyId id = Envelope.decode(envelope.toByteArray()).keyId();
        if (REGISTRY.get(id).orElseThrow().metadata().requireUnwrapApproval()) {
            expectRefusal(EnumSet.of(ErrorReason.APPROVAL_REQUIRED), () -> opened(envelope, context));
        } else {
            assertArrayEquals(plaintext, opened(envelope, context));
        }
    }

    private byte[] opened(ByteString envelope, Map<String, String> context) {
        try (var secret = unwrap.handle(CALLER, UnwrapRequest.newBuilder().setEnvelope(envelope)
                .putAllEncryptionContext(context).build()).secret()) {
            return secret.reveal().clone();
        }
    }

    private static String utf8(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), StandardCharsets.UTF_8);
    }

    /** Registers a key with a fixed id, {@code versions} HSM keys, then applies {@code change}. */
    private static KeyId key(char letter, String alias, int versions,
                             java.util.function.UnaryOperator<KeyMetadata> change, boolean noHsmObjects) {
        KeyId id = new KeyId("key-" + String.valueOf(letter).repeat(26));
        KeyMetadata meta = KeyMetadata.created(id,
                new KeyAttributes(alias == null ? null : new Alias(alias), "fuzz", Map.of()), NOW);
        for (int v = 2; v <= versions; v++) {
            meta = meta.withNewVersion(NOW);
        }
        if (change != null) {
            meta = change.apply(meta);
        }
        List<Optional<HsmKeyRef>> refs = new ArrayList<>();
        for (var version : meta.versions()) {
            refs.add(noHsmObjects ? Optional.empty() : Optional.of(HSM.generateKey(version.hsmLabel())));
        }
        REGISTRY.put(new LiveKey(meta, refs));
        return id;
    }
}
