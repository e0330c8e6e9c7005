package coffre.kms.server.crypto;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.kms.server.access.AccessRefusal;
import coffre.kms.server.access.RequestAccessPolicy;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.HsmFailures;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyCapabilities;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.keys.KeyVersionState;
import coffre.kms.server.keys.LiveKey;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * AES-256-GCM under Coffre keys for callers outside Coffre's own envelope format: an AWS external
 * key store, whose proxy protocol (XKS) fixes the AAD and carries the IV, tag and key version
 * itself. The rules are those of {@link CryptoOperations}, applied in the order the XKS spec checks
 * them, so the edge can answer each failure as that protocol requires:
 * <ol>
 *   <li>{@link #authorize}: the key exists ({@code KEY_NOT_FOUND}) and is usable
 *       ({@code KEY_DISABLED}, {@code KEY_PENDING_DELETION}, {@code KEY_DESTROYED}), then the key's
 *       access policy and grants, with the caller's request metadata for secondary authorization;
 *       a refusal is returned ({@link AccessRefusal}) rather than thrown;</li>
 *   <li>{@link #encrypt} under the key's <em>primary</em> version, or {@link #decrypt} under the
 *       version the caller names, in the HSM, one call each.</li>
 * </ol>
 * The caller is the key store's principal, {@link #storePrincipal} ({@code xks:<store name>}), so
 * a key's policy says which key stores may use it, and for what: {@code WRAP} to encrypt,
 * {@code UNWRAP} to decrypt.
 *
 * <p>Every decryption that does not succeed, for whatever reason (a disabled or destroyed
 * version, a version the key never had, a wrong tag, AAD, IV or ciphertext), fails with the one
 * {@link ErrorReason#DECRYPTION_FAILED}: no oracle. Plaintexts travel in {@link SecretBytes}.
 */
public final class ExternalKeyCrypto {
    /** The prefix of a key store's principal name. */
    public static final String STORE_PRINCIPAL_PREFIX = "xks:";

    private final Hsm hsm;
    private final KeyRegistry registry;
    private final RequestAccessPolicy access;

    public ExternalKeyCrypto(Hsm hsm, KeyRegistry registry, RequestAccessPolicy access) {
        this.hsm = Objects.requireNonNull(hsm, "hsm");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.access = Objects.requireNonNull(access, "access");
    }

    /** The principal a key's policy names a key store by: {@code xks:<store name>}. */
    public static Principal storePrincipal(String storeName) {
        return new Principal(STORE_PRINCIPAL_PREFIX + storeName);
    }

    /**
     * What {@link #authorize} decided: the key as it was then, and a refusal or none. Only this
     * class makes one, so {@link #encrypt} and {@link #decrypt} cannot be reached without it.
     */
    public static final class Authorization {
        private final Principal caller;
        private final LiveKey key;
        private final DataOperation operation;
        private final RequestMetadata request;
        private final AccessRefusal refusal;

        private Authorization(Principal caller, LiveKey key, DataOperation operation, RequestMetadata request,
                              AccessRefusal refusal) {
            this.caller = caller;
            this.key = key;
            this.operation = operation;
            this.request = request;
            this.refusal = refusal;
        }

        /** Null when allowed; else why not (the edge answers it, then does nothing more). */
        public AccessRefusal refusal() {
            return refusal;
        }

        public KeyId keyId() {
            return key.metadata().id();
        }

        /** The version {@link #encrypt} will use: the key's primary version when authorized. */
        public int primaryVersion() {
            return key.metadata().primaryVersion();
        }

        @Override
        public String toString() {
            return "Authorization[" + caller + " " + operation + " " + keyId()
                    + (refusal == null ? "" : ", refused " + refusal.kind()) + "]";
        }
    }

    /** A key's state and what a key store may do with it, for the XKS {@code GetKeyMetadata}. */
    public record Description(KeyId keyId, KeyState state, AccessRefusal encrypt, AccessRefusal decrypt) {
    }

    /** A ciphertext as the HSM made it: the key version, the 12-byte IV, the ciphertext and the 16-byte tag. */
    public record Sealed(KeyId keyId, int keyVersion, byte[] iv, byte[] ciphertextAndTag) {
        @Override
        public String toString() {
            return "Sealed[" + keyId + " v" + keyVersion + ", " + ciphertextAndTag.length + " bytes]";
        }
    }

    /**
     * The key's state and the refusals (null: allowed) of {@code WRAP} and {@code UNWRAP} for
     * {@code caller} with this request metadata. Never refuses for the key's state: a disabled key
     * is described as such.
     *
     * @throws KmsException {@link ErrorReason#KEY_NOT_FOUND} if no such key exists
     */
    public Description describe(Principal caller, KeyId keyId, RequestMetadata request) {
        LiveKey key = known(keyId);
        return new Description(keyId, key.metadata().state(), refusal(caller, DataOperation.WRAP, key, request),
                refusal(caller, DataOperation.UNWRAP, key, request));
    }

    /**
     * Whether {@code caller} may do {@code operation} ({@code WRAP} or {@code UNWRAP}) with the key
     * for this request.
     *
     * @throws KmsException {@link ErrorReason#KEY_NOT_FOUND}; {@link ErrorReason#KEY_DISABLED},
     *                      {@link ErrorReason#KEY_PENDING_DELETION} or {@link ErrorReason#KEY_DESTROYED}
     *                      when the key is not usable (before any access check, as the XKS spec orders them)
     */
    public Authorization authorize(Principal caller, KeyId keyId, DataOperation operation, RequestMetadata request) {
        if (operation != DataOperation.WRAP && operation != DataOperation.UNWRAP) {
            throw new IllegalArgumentException("external key stores encrypt (WRAP) and decrypt (UNWRAP) only");
        }
        LiveKey key = known(keyId);
        KeyLifecycle.requireUsable(key.metadata());
        KeyCapabilities.require(key.metadata(), operation);
        return new Authorization(caller, key, operation, request, refusal(caller, operation, key, request));
    }

    /**
     * Whether an encryption may be checked by decrypting it, as the XKS integrity value requires:
     * only if the key store may decrypt with the key at all (its {@code UNWRAP} is not
     * {@link AccessRefusal.Kind#NOT_PERMITTED}). The check itself gives the caller no plaintext,
     * so the conditions of secondary authorization, which concern what the caller asked for, do
     * not apply to it.
     *
     * @return null when the check may run, else why not
     */
    public AccessRefusal verificationRefusal(Authorization encryption) {
        requireAllowed(encryption, DataOperation.WRAP);
        AccessRefusal unwrap = refusal(encryption.caller, DataOperation.UNWRAP, encryption.key, encryption.request);
        return unwrap != null && unwrap.kind() == AccessRefusal.Kind.NOT_PERMITTED ? unwrap : null;
    }

    /**
     * AES-256-GCM encryption in the HSM under the key's primary version.
     *
     * @param aadForVersion the AAD to bind, given the version used (the XKS edge names the version
     *                      in the ciphertext metadata it binds into the AAD)
     * @throws KmsException {@link ErrorReason#HSM_UNAVAILABLE} or {@link ErrorReason#INTERNAL_ERROR}
     */
    public Sealed encrypt(Authorization authorization, byte[] plaintext, IntFunction<byte[]> aadForVersion) {
        requireAllowed(authorization, DataOperation.WRAP);
        int version = authorization.key.metadata().primaryVersion();
        HsmKeyRef ref = registry.enabledRef(authorization.key, version);
        byte[] aad = aadForVersion.apply(version);
        try {
            GcmCiphertext sealed = hsm.encrypt(ref, aad, plaintext);
            return new Sealed(authorization.keyId(), version, sealed.iv(), sealed.ciphertextAndTag());
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "external key encrypt");
        }
    }

    /**
     * AES-256-GCM decryption in the HSM under {@code version} of the key, which must be enabled.
     *
     * @throws KmsException {@link ErrorReason#DECRYPTION_FAILED} for every ciphertext that does not
     *                      open; {@link ErrorReason#HSM_UNAVAILABLE} or {@link ErrorReason#INTERNAL_ERROR}
     */
    public SecretBytes decrypt(Authorization authorization, int version, byte[] iv, byte[] aad,
                               byte[] ciphertextAndTag) {
        requireAllowed(authorization, DataOperation.UNWRAP);
        return open(authorization.key, version, iv, aad, ciphertextAndTag, "external key decrypt");
    }

    /**
     * Decrypts {@code sealed} as a check of the encryption just made and compares the result with
     * {@code plaintext} (XKS: after the integrity value was computed over the same bytes).
     *
     * @throws KmsException {@link ErrorReason#INTERNAL_ERROR} if the ciphertext does not give the
     *                      plaintext back; {@link ErrorReason#HSM_UNAVAILABLE}
     */
    public void verify(Authorization encryption, Sealed sealed, byte[] aad, byte[] plaintext) {
        if (verificationRefusal(encryption) != null) {
            throw new IllegalStateException("the key store may not decrypt with this key: check verificationRefusal");
        }
        SecretBytes opened;
        try {
            opened = open(encryption.key, sealed.keyVersion(), sealed.iv(), aad, sealed.ciphertextAndTag(),
                    "external key encrypt check");
        } catch (KmsException e) {
            if (e.reason() == ErrorReason.DECRYPTION_FAILED) {
                throw mismatch();
            }
            throw e;
        }
        try (opened) {
            if (!MessageDigest.isEqual(opened.reveal(), plaintext)) {
                throw mismatch();
            }
        }
    }

    private SecretBytes open(LiveKey known, int version, byte[] iv, byte[] aad, byte[] ciphertextAndTag,
                             String operation) {
        if (iv.length != GcmCiphertext.IV_LENGTH || ciphertextAndTag.length < GcmCiphertext.TAG_LENGTH) {
            throw KmsException.decryptionFailed();
        }
        LiveKey key = registry.withVersion(known, version).orElse(known);
        // A disabled or destroyed version, or one the key never had, opens nothing.
        if (key.metadata().version(version).filter(v -> v.state() == KeyVersionState.ENABLED).isEmpty()) {
            throw KmsException.decryptionFailed();
        }
        HsmKeyRef ref = registry.enabledRef(key, version);
        try {
            return SecretBytes.adopt(hsm.decrypt(ref, iv, aad, ciphertextAndTag));
        } catch (HsmException e) {
            throw HsmFailures.translate(e, operation);
        }
    }

    private LiveKey known(KeyId keyId) {
        return registry.getOrCatchUp(keyId).orElseThrow(() -> new KmsException(ErrorReason.KEY_NOT_FOUND,
                "no key " + keyId.value()));
    }

    private AccessRefusal refusal(Principal caller, DataOperation operation, LiveKey key, RequestMetadata request) {
        if (operation == DataOperation.UNWRAP && key.metadata().requireUnwrapApproval()) {
            return new AccessRefusal(AccessRefusal.Kind.NOT_PERMITTED, "key " + key.metadata().id().value()
                    + " is a break-glass key: each unwrap waits for officers' approval, which an external key store "
                    + "cannot wait for");
        }
        try {
            return access.refusal(caller, operation, key, request);
        } catch (KmsException e) {
            if (e.reason() == ErrorReason.CONTEXT_NOT_ALLOWED) {
                // An external key store sends no encryption context: a policy that requires one refuses it.
                return new AccessRefusal(AccessRefusal.Kind.CONDITIONS_UNMET, "key " + key.metadata().id().value()
                        + " requires an encryption context, which calls from an external key store cannot carry");
            }
            throw e;
        }
    }

    private static void requireAllowed(Authorization authorization, DataOperation operation) {
        if (authorization.operation != operation || authorization.refusal != null) {
            throw new IllegalStateException("not authorized for " + operation + ": " + authorization);
        }
    }

    private static KmsException mismatch() {
        return new KmsException(ErrorReason.INTERNAL_ERROR,
                "the encryption did not decrypt to its plaintext; retry", java.util.Map.of());
    }
}
