package coffre.kms.server.crypto;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.kms.server.access.DataAccessPolicy;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.HsmFailures;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyCapabilities;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeyVersionState;
import coffre.kms.server.keys.LiveKey;
import java.util.Map;
import java.util.Set;

/**
 * The data plane: wrap, unwrap, generate-data-key and rewrap. Reads only the in-memory
 * {@link KeyRegistry} and calls the HSM once per cryptographic step; it never touches the store.
 *
 * <p>Every call first checks the caller's access (policy and grants), then the key's state, then that
 * the key is an AES-256 key ({@link KeyCapabilities}: an asymmetric key gets {@code INVALID_KEY_USAGE});
 * unwraps of break-glass keys also need an approved {@link UnwrapApprovals} entry.
 *
 * <p>A caller that may not use a key learns nothing about it: a key named by id or alias that
 * does not exist and one it may not use get the same {@link ErrorReason#PERMISSION_DENIED} with
 * the same message (the audit log records {@code KEY_NOT_FOUND} for the first), and a key's state
 * is told only to callers that may use it. Otherwise aliases could be enumerated by anyone with a
 * client certificate. Administrators see {@code KEY_NOT_FOUND} on the admin plane, where they may
 * list every key anyway.
 *
 * <p>Every envelope that does not open, for whatever reason — malformed, tampered, truncated,
 * another key, another version, another context — fails with the single
 * {@link ErrorReason#DECRYPTION_FAILED}. Only the key's own state (disabled, pending deletion,
 * destroyed) is reported distinctly, because the caller can act on it.
 */
public final class CryptoOperations {
    public static final int MAX_PLAINTEXT_BYTES = 4096;
    public static final Set<Integer> DATA_KEY_LENGTHS = Set.of(16, 24, 32, 64);
    public static final int DEFAULT_DATA_KEY_LENGTH = 32;

    private final Hsm hsm;
    private final KeyRegistry registry;
    private final DataAccessPolicy access;
    private final UnwrapApprovals unwrapApprovals;

    public CryptoOperations(Hsm hsm, KeyRegistry registry, DataAccessPolicy access, UnwrapApprovals unwrapApprovals) {
        this.hsm = hsm;
        this.registry = registry;
        this.access = access;
        this.unwrapApprovals = unwrapApprovals;
    }

    /** The result of a wrap: the envelope and the key version that made it. */
    public record Wrapped(byte[] envelope, KeyId keyId, int keyVersion) {
        @Override
        public String toString() {
            return "Wrapped[" + keyId + " v" + keyVersion + "]";
        }
    }

    /** The result of an unwrap; the caller closes it (zeroing the plaintext) once it is sent. */
    public record Unwrapped(SecretBytes plaintext, KeyId keyId, int keyVersion) implements AutoCloseable {
        @Override
        public void close() {
            plaintext.close();
        }
    }

    /** A fresh data key, in plaintext and wrapped; the caller closes the plaintext once sent. */
    public record DataKey(SecretBytes plaintext, Wrapped wrapped) {
    }

    /** A rewrapped envelope and the version it came from. */
    public record Rewrapped(Wrapped wrapped, KeyId sourceKeyId, int sourceKeyVersion) {
    }

    public Wrapped wrap(Principal caller, KeyReference reference, byte[] plaintext, Map<String, String> contextPairs) {
        EncryptionContext context = EncryptionContext.of(contextPairs);
        if (plaintext.length == 0) {
            throw KmsException.missing("plaintext");
        }
        if (plaintext.length > MAX_PLAINTEXT_BYTES) {
            throw new KmsException(ErrorReason.PLAINTEXT_TOO_LARGE,
                    "plaintext is " + plaintext.length + " bytes; the limit is " + MAX_PLAINTEXT_BYTES,
                    Map.of("limit", Integer.toString(MAX_PLAINTEXT_BYTES)));
        }
        LiveKey key = usableKey(caller, DataOperation.WRAP, reference, contextPairs);
        return wrapUnder(key, plaintext, context);
    }

    public Unwrapped unwrap(Principal caller, byte[] envelopeBytes, Map<String, String> contextPairs) {
        return open(caller, DataOperation.UNWRAP, envelopeBytes, contextPairs);
    }

    /**
     * Opens an envelope for {@code operation} (UNWRAP, or REWRAP's first half): parse, find the key,
     * check its state, the caller's access and any break-glass approval, then decrypt in the HSM.
     */
    private Unwrapped open(Principal caller, DataOperation operation, byte[] envelopeBytes,
                           Map<String, String> contextPairs) {
        EncryptionContext context = EncryptionContext.of(contextPairs);
        if (envelopeBytes.length == 0) {
            throw KmsException.missing("envelope");
        }
        Envelope envelope = Envelope.decode(envelopeBytes);
        LiveKey known = registry.getOrCatchUp(envelope.keyId()).orElseThrow(KmsException::decryptionFailed);
        LiveKey key = registry.withVersion(known, envelope.keyVersion()).orElse(known);
        checkAccess(caller, operation, key, envelope.keyId().value(), contextPairs);
        KeyLifecycle.requireUsable(key.metadata());
        KeyCapabilities.require(key.metadata(), operation);
        if (key.metadata().requireUnwrapApproval()) {
            unwrapApprovals.authorize(caller, key.metadata(), envelope.keyVersion(), envelopeBytes, context);
        }
        // A disabled or destroyed version has no HSM reference: its envelopes do not open.
        if (key.metadata().version(envelope.keyVersion()).filter(v -> v.state() == KeyVersionState.ENABLED).isEmpty()) {
            throw KmsException.decryptionFailed();
        }
        HsmKeyRef ref = registry.enabledRef(key, envelope.keyVersion());
        byte[] aad = Envelope.additionalData(envelope.keyId(), envelope.keyVersion(), context);
        try {
            byte[] plaintext = hsm.decrypt(ref, envelope.iv(), aad, envelope.ciphertextAndTag());
            return new Unwrapped(SecretBytes.adopt(plaintext), envelope.keyId(), envelope.keyVersion());
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "unwrap");
        }
    }

    /** @param length 16, 24, 32 or 64; 0 means {@value #DEFAULT_DATA_KEY_LENGTH} */
    public DataKey generateDataKey(Principal caller, KeyReference reference, int length,
                                   Map<String, String> contextPairs) {
        EncryptionContext context = EncryptionContext.of(contextPairs);
        int size = length == 0 ? DEFAULT_DATA_KEY_LENGTH : length;
        if (!DATA_KEY_LENGTHS.contains(size)) {
            throw new KmsException(ErrorReason.INVALID_DATA_KEY_LENGTH,
                    "data keys are 16, 24, 32 or 64 bytes long", Map.of("allowed", "16,24,32,64"));
        }
        LiveKey key = usableKey(caller, DataOperation.GENERATE_DATA_KEY, reference, contextPairs);
        SecretBytes dataKey;
        try {
            dataKey = SecretBytes.adopt(hsm.randomBytes(size));
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "random generation");
        }
        try {
            return new DataKey(dataKey, wrapUnder(key, dataKey.reveal(), context));
        } catch (RuntimeException e) {
            dataKey.close();
            throw e;
        }
    }

    /**
     * Opens the envelope and wraps its plaintext again under the primary version of its own key,
     * or of {@code target} when given, with the same context. The plaintext never leaves.
     */
    public Rewrapped rewrap(Principal caller, byte[] envelopeBytes, Map<String, String> contextPairs,
                            KeyReference target) {
        EncryptionContext context = EncryptionContext.of(contextPairs);
        LiveKey destination = target == null ? null : known(caller, DataOperation.REWRAP, target);
        try (Unwrapped opened = open(caller, DataOperation.REWRAP, envelopeBytes, contextPairs)) {
            if (destination == null) {
                destination = registry.get(opened.keyId()).orElseThrow(KmsException::decryptionFailed);
            } else {
                checkAccess(caller, DataOperation.REWRAP, destination, describe(target), contextPairs);
                KeyLifecycle.requireUsable(destination.metadata());
                KeyCapabilities.require(destination.metadata(), DataOperation.REWRAP);
            }
            Wrapped wrapped = wrapUnder(destination, opened.plaintext().reveal(), context);
            return new Rewrapped(wrapped, opened.keyId(), opened.keyVersion());
        }
    }

    /** The key {@code reference} names, if {@code caller} may use it for {@code operation}, and usable. */
    private LiveKey usableKey(Principal caller, DataOperation operation, KeyReference reference,
                              Map<String, String> contextPairs) {
        LiveKey key = known(caller, operation, reference);
        checkAccess(caller, operation, key, describe(reference), contextPairs);
        KeyLifecycle.requireUsable(key.metadata());
        KeyCapabilities.require(key.metadata(), operation);
        return key;
    }

    private LiveKey known(Principal caller, DataOperation operation, KeyReference reference) {
        return KeyNaming.resolve(registry, caller, operation, reference);
    }

    /** As {@link DataAccessPolicy#check}, its refusal worded as for a key that does not exist. */
    private void checkAccess(Principal caller, DataOperation operation, LiveKey key, String named,
                             Map<String, String> contextPairs) {
        try {
            access.check(caller, operation, key, contextPairs);
        } catch (KmsException e) {
            if (e.reason() == ErrorReason.PERMISSION_DENIED) {
                throw KeyNaming.refused(caller, operation, named, ErrorReason.PERMISSION_DENIED);
            }
            throw e;
        }
    }

    private static String describe(KeyReference reference) {
        return KeyNaming.describe(reference);
    }

    private Wrapped wrapUnder(LiveKey key, byte[] plaintext, EncryptionContext context) {
        KeyMetadata meta = key.metadata();
        KeyLifecycle.requireUsable(meta);
        int version = meta.primaryVersion();
        HsmKeyRef ref = registry.enabledRef(key, version);
        byte[] aad = Envelope.additionalData(meta.id(), version, context);
        try {
            GcmCiphertext sealed = hsm.encrypt(ref, aad, plaintext);
            byte[] envelope = new Envelope(meta.id(), version, sealed.iv(), sealed.ciphertextAndTag()).encode();
            return new Wrapped(envelope, meta.id(), version);
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "wrap");
        }
    }
}
