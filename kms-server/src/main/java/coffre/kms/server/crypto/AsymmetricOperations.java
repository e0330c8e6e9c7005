package coffre.kms.server.crypto;

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
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.server.keys.KeyVersionMetadata;
import coffre.kms.server.keys.KeyVersionState;
import coffre.kms.server.keys.LiveKey;
import coffre.kms.server.keys.PublicKeyInfo;
import java.util.Map;
import java.util.Objects;

/**
 * The data plane of asymmetric keys — their public key, RSA-OAEP decryption, signing and
 * verification — for every edge: gRPC ({@code CryptoService}) passes no request metadata, the
 * Microsoft DKE edge passes the caller's token claims, which a key policy's conditions test.
 *
 * <p>Every call checks, in this order: the key exists and the caller may do this with it (policy
 * and grants, with the request metadata; a key that does not exist and one the caller may not use
 * get the same {@link ErrorReason#PERMISSION_DENIED}, as in {@link CryptoOperations}); the key's
 * state ({@code KEY_DISABLED}...); that the key can do it ({@link KeyCapabilities}:
 * {@code INVALID_KEY_USAGE}); the version asked for ({@code 0} is the primary); then the input.
 * Break-glass RSA keys need officers' approval of each exact decryption ({@link DecryptApprovals}).
 *
 * <p>The private key never leaves the HSM: decryption and signing are one HSM call each, on the
 * in-memory {@link KeyRegistry}'s reference. Verification runs here on the version's stored public
 * key ({@link SignatureVerifier}), without the HSM. Every ciphertext that does not decrypt gets the
 * one {@link ErrorReason#DECRYPTION_FAILED}: no padding oracle. Plaintexts travel in {@link SecretBytes}.
 */
public final class AsymmetricOperations {
    private final Hsm hsm;
    private final KeyRegistry registry;
    private final RequestAccessPolicy access;
    private final DecryptApprovals approvals;

    public AsymmetricOperations(Hsm hsm, KeyRegistry registry, RequestAccessPolicy access, DecryptApprovals approvals) {
        this.hsm = Objects.requireNonNull(hsm, "hsm");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.access = Objects.requireNonNull(access, "access");
        this.approvals = Objects.requireNonNull(approvals, "approvals");
    }

    /** A key version's public key and what the key is. */
    public record PublicKey(KeyId keyId, int keyVersion, KeySpec spec, KeyUsage usage, PublicKeyInfo publicKey) {
        /** What the key signs with, or null for a decryption key. */
        public SigningAlgorithm signingAlgorithm() {
            return usage == KeyUsage.SIGN_VERIFY ? SigningAlgorithm.forSpec(spec) : null;
        }
    }

    /** A decryption; the caller closes it (zeroing the plaintext) once the plaintext is sent. */
    public record Decrypted(SecretBytes plaintext, KeyId keyId, int keyVersion) implements AutoCloseable {
        @Override
        public void close() {
            plaintext.close();
        }
    }

    /** A signature, and the version and algorithm that made it (give them to {@link #verify}). */
    public record Signed(byte[] signature, KeyId keyId, int keyVersion, SigningAlgorithm algorithm) {
        @Override
        public String toString() {
            return "Signed[" + keyId + " v" + keyVersion + " " + algorithm + "]";
        }
    }

    /** Whether a signature verified, with the version and algorithm it was checked with. */
    public record Verified(boolean valid, KeyId keyId, int keyVersion, SigningAlgorithm algorithm) {
    }

    /**
     * The public key of {@code version} (0: the primary). Needs {@code GET_PUBLIC_KEY}; a disabled
     * key or one pending deletion is refused, as every other use.
     *
     * @param request the caller's request metadata, or null for a call that carries none (gRPC)
     */
    public PublicKey publicKey(Principal caller, KeyReference reference, int version, RequestMetadata request) {
        LiveKey key = usable(caller, DataOperation.GET_PUBLIC_KEY, reference, request);
        KeyVersionMetadata chosen = version(key, version).metadata;
        return new PublicKey(key.metadata().id(), chosen.version(), key.metadata().spec(), key.metadata().usage(),
                chosen.publicKey());
    }

    /**
     * RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label) decryption in the HSM with {@code version}
     * (0: the primary) of an RSA {@code ENCRYPT_DECRYPT} key. Needs {@code DECRYPT}.
     *
     * @param ciphertext exactly the modulus length
     * @throws KmsException {@code INVALID_CIPHERTEXT_LENGTH} (a public fact); {@code APPROVAL_REQUIRED}
     *                      for a break-glass key; {@code DECRYPTION_FAILED} for any ciphertext that
     *                      does not decrypt
     */
    public Decrypted decrypt(Principal caller, KeyReference reference, int version, byte[] ciphertext,
                             RequestMetadata request) {
        LiveKey key = usable(caller, DataOperation.DECRYPT, reference, request);
        Version chosen = version(key, version);
        if (ciphertext.length == 0) {
            throw KmsException.missing("ciphertext");
        }
        int modulus = key.metadata().spec().modulusBytes();
        if (ciphertext.length != modulus) {
            throw new KmsException(ErrorReason.INVALID_CIPHERTEXT_LENGTH, "an RSA-OAEP ciphertext of key "
                    + key.metadata().id() + " is " + modulus + " bytes, not " + ciphertext.length,
                    Map.of("length", Integer.toString(modulus)));
        }
        if (key.metadata().requireUnwrapApproval()) {
            approvals.authorize(caller, key.metadata(), chosen.metadata.version(), ciphertext);
        }
        HsmKeyRef ref = registry.enabledRef(chosen.key, chosen.metadata.version());
        try {
            return new Decrypted(SecretBytes.adopt(hsm.rsaOaepDecrypt(ref, ciphertext)), key.metadata().id(),
                    chosen.metadata.version());
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "asymmetric decrypt");
        }
    }

    /**
     * Signs in the HSM with the primary version of a {@code SIGN_VERIFY} key. Needs {@code SIGN}.
     *
     * @param algorithm null for the key's own; another than the key's is {@code UNSUPPORTED_ALGORITHM}
     * @throws KmsException {@code SIGNING_INPUT_TOO_LARGE}, {@code INVALID_DIGEST} (see {@link SigningInput})
     */
    public Signed sign(Principal caller, KeyReference reference, SigningInput input, SigningAlgorithm algorithm,
                       RequestMetadata request) {
        LiveKey key = usable(caller, DataOperation.SIGN, reference, request);
        SigningAlgorithm used = SigningAlgorithm.require(algorithm, key.metadata().spec());
        byte[] digest = input.digest(used);
        int version = key.metadata().primaryVersion();
        HsmKeyRef ref = registry.enabledRef(key, version);
        try {
            return new Signed(hsm.signDigest(ref, used.scheme(), digest), key.metadata().id(), version, used);
        } catch (HsmException e) {
            throw HsmFailures.translate(e, "sign");
        }
    }

    /**
     * Checks {@code signature} with the public key of {@code version} (0: the primary) of a
     * {@code SIGN_VERIFY} key, here, without the HSM. Needs {@code VERIFY}. A signature that does
     * not verify, whatever is wrong with it, is an answer ({@code valid} false), not an error.
     *
     * @throws KmsException {@code MISSING_FIELD} for an empty signature, and as {@link #sign} for the input
     */
    public Verified verify(Principal caller, KeyReference reference, int version, SigningInput input,
                           SigningAlgorithm algorithm, byte[] signature, RequestMetadata request) {
        LiveKey key = usable(caller, DataOperation.VERIFY, reference, request);
        KeyVersionMetadata chosen = version(key, version).metadata;
        SigningAlgorithm used = SigningAlgorithm.require(algorithm, key.metadata().spec());
        byte[] digest = input.digest(used);
        if (signature.length == 0) {
            throw KmsException.missing("signature");
        }
        boolean valid = SignatureVerifier.verify(used, chosen.publicKey().jca(), digest, signature);
        return new Verified(valid, key.metadata().id(), chosen.version(), used);
    }

    /** The key, if the caller may do {@code operation} with it, it is enabled, and it can do it. */
    private LiveKey usable(Principal caller, DataOperation operation, KeyReference reference, RequestMetadata request) {
        LiveKey key = KeyNaming.resolve(registry, caller, operation, reference);
        AccessRefusal refusal = access.refusal(caller, operation, key, request);
        if (refusal != null) {
            throw KeyNaming.refused(caller, operation, KeyNaming.describe(reference), ErrorReason.PERMISSION_DENIED);
        }
        KeyLifecycle.requireUsable(key.metadata());
        KeyCapabilities.require(key.metadata(), operation);
        return key;
    }

    /** A version of a key, with the key as it is known with that version (another node may have just made it). */
    private record Version(LiveKey key, KeyVersionMetadata metadata) {
    }

    /**
     * @param asked 0 for the primary version
     * @throws KmsException {@code KEY_VERSION_NOT_FOUND} (metadata.versions: how many there are)
     */
    private Version version(LiveKey key, int asked) {
        int number = asked == 0 ? key.metadata().primaryVersion() : asked;
        LiveKey known = number > 0 ? registry.withVersion(key, number).orElse(key) : key;
        KeyVersionMetadata version = known.metadata().version(number).orElseThrow(() -> new KmsException(
                ErrorReason.KEY_VERSION_NOT_FOUND, "key " + key.metadata().id() + " has no version "
                + Integer.toUnsignedString(asked) + "; it has " + known.metadata().versions().size(),
                Map.of("versions", Integer.toString(known.metadata().versions().size()))));
        if (version.state() != KeyVersionState.ENABLED) {
            throw new KmsException(ErrorReason.KEY_DESTROYED, "version " + number + " of key " + key.metadata().id()
                    + " was destroyed; its material no longer exists");
        }
        return new Version(known, version);
    }
}
