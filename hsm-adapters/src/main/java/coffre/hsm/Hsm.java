package coffre.hsm;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The port through which Coffre uses a hardware security module.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>Keys are AES-256 secret keys, HMAC keys and key pairs ({@link KeyPairSpec}) generated inside
 *       the HSM as persistent token objects with {@code CKA_SENSITIVE=true} and
 *       {@code CKA_EXTRACTABLE=false}; their secret value never leaves it.</li>
 *   <li>{@link #encrypt} is AES-256-GCM with a fresh 96-bit IV chosen for each call and a 128-bit
 *       tag; {@link #decrypt} fails with {@link HsmErrorKind#AUTHENTICATION_FAILED} for every
 *       authentication failure (wrong key, wrong AAD, modified IV, ciphertext or tag), and with no
 *       other detail.</li>
 *   <li>All methods are thread-safe and blocking: callers must not invoke them on an event loop.</li>
 *   <li>Failures are {@link HsmException}s carrying an {@link HsmErrorKind}; raw PKCS#11 return
 *       codes stay inside the exception for server logs and are never part of its message.</li>
 *   <li>Labels are 1..128 characters of {@code [A-Za-z0-9._:/@+=-]}; a bad label (or a null
 *       argument) is a caller bug and fails with {@link IllegalArgumentException}
 *       ({@link NullPointerException}), never with an {@link HsmException}. A label names one key,
 *       AES, HMAC or key pair: creating any kind under a label in use fails with
 *       {@link HsmErrorKind#INVALID_REQUEST}.</li>
 *   <li>A token that does not answer is {@link HsmErrorKind#UNAVAILABLE}, never "no such key": a
 *       lookup then throws rather than returning empty, so a key is never taken for missing (or
 *       re-created) because the HSM was briefly away.</li>
 *   <li>A reference belongs to the instance that issued it; another instance refuses it with
 *       {@link IllegalArgumentException}. Using one kind of key for another kind's operation (an
 *       AES key for an HMAC, an HMAC key for AES-GCM, a key pair for either, an AES or HMAC key
 *       for {@link #rsaOaepDecrypt} or {@link #signDigest}) fails with
 *       {@link HsmErrorKind#INVALID_REQUEST}.</li>
 * </ul>
 */
public interface Hsm extends AutoCloseable {

    /**
     * How {@link #generateKey(String, LabelCheck)} keeps a label naming one key.
     */
    enum LabelCheck {
        /**
         * The token is searched for the label first and a label in use is refused with
         * {@link HsmErrorKind#INVALID_REQUEST}. On HSMs that search by visiting every object
         * (SoftHSM2 opens each object's file) this costs time proportional to the keys held.
         */
        SEARCH_TOKEN,
        /**
         * No search: the caller guarantees the label was never used on this token — it carries
         * enough random bits that no other key, of this process or another, can hold it (Coffre's
         * labels carry 130). A label that was in use after all leaves two objects under it, and
         * looking it up then fails with {@link HsmErrorKind#INTERNAL}.
         */
        CALLER_MADE_UNIQUE
    }

    /**
     * Generates a new AES-256 key inside the HSM, stored as a token object under {@code label}; a
     * label in use is refused ({@link LabelCheck#SEARCH_TOKEN}).
     */
    default HsmKeyRef generateKey(String label) {
        return generateKey(label, LabelCheck.SEARCH_TOKEN);
    }

    /** Generates a new AES-256 key under {@code label}, checking the label as {@code check} says. */
    HsmKeyRef generateKey(String label, LabelCheck check);

    /** Finds an existing key by label, resolving its handle once so later calls need no lookup. */
    Optional<HsmKeyRef> findKey(String label);

    /**
     * Finds many keys at once, as a node does at start: the AES keys among {@code labels} that the
     * token holds, by label (absent labels are missing from the map). Same references and errors
     * as {@link #findKey} for each; an HSM that must scan its objects for every search (SoftHSM2)
     * scans them once here instead of once per key.
     */
    default Map<String, HsmKeyRef> findKeys(Collection<String> labels) {
        Map<String, HsmKeyRef> found = new LinkedHashMap<>();
        for (String label : labels) {
            findKey(label).ifPresent(ref -> found.put(label, ref));
        }
        return found;
    }

    /** AES-256-GCM encryption inside the HSM with a fresh IV; {@code aad} may be empty, not null. */
    GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext);

    /**
     * AES-256-GCM decryption inside the HSM.
     *
     * @param ciphertextAndTag the ciphertext followed by the 16-byte tag
     * @return the plaintext; the caller owns the array and should zero it after use
     * @throws HsmException of kind {@link HsmErrorKind#AUTHENTICATION_FAILED} on any tag mismatch
     */
    byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag);

    /**
     * Generates a 256-bit HMAC-SHA-256 key inside the HSM, stored as a token object under
     * {@code label}: sensitive, non-extractable, usable only to sign and verify. Coffre uses it to
     * checkpoint the audit chain, so that nobody holding only the database can forge a checkpoint.
     */
    HsmKeyRef generateMacKey(String label);

    /**
     * Stores {@code value} inside the HSM as an HMAC-SHA-256 key under {@code label}: sensitive,
     * non-extractable, usable only to sign and verify, so it can be used but never read back. Only
     * for secrets that exist outside the HSM by nature — a credential shared with another party,
     * such as the AWS SigV4 secret of an external key store, whose first derivation step
     * {@code HMAC("AWS4"+secret, date)} then runs in the HSM. Coffre's own keys are never imported:
     * they are generated inside ({@link #generateKey}, {@link #generateMacKey}).
     *
     * @param value {@value #MIN_IMPORTED_MAC_BYTES} to {@value #MAX_IMPORTED_MAC_BYTES} bytes; the
     *              caller zeroes it after the call
     * @throws HsmException {@link HsmErrorKind#INVALID_REQUEST} if a key already uses {@code label}
     */
    HsmKeyRef importMacKey(String label, byte[] value);

    /** The fewest bytes {@link #importMacKey} accepts (RFC 2104 advises keys no shorter than the hash). */
    int MIN_IMPORTED_MAC_BYTES = 32;

    /** The most bytes {@link #importMacKey} accepts. */
    int MAX_IMPORTED_MAC_BYTES = 128;

    /**
     * Finds an existing HMAC key by label (see {@link #generateMacKey}); empty if the token has no
     * HMAC key under that label (an AES key of that label is not one).
     */
    Optional<HsmKeyRef> findMacKey(String label);

    /**
     * HMAC-SHA-256 of {@code data} (which may be empty, not null), computed inside the HSM with a key
     * from {@link #generateMacKey} or {@link #findMacKey}: 32 bytes, the same for the same key and
     * data on every instance and node.
     */
    byte[] hmacSha256(HsmKeyRef macKey, byte[] data);

    /**
     * Generates a key pair inside the HSM under {@code label}: the private key a token object,
     * sensitive, never extractable, local, allowed only what {@code usage} says; the public key a
     * token object under the same label and {@code CKA_ID}. A label names one key of any kind.
     *
     * @throws HsmException {@link HsmErrorKind#INVALID_REQUEST} for a label in use
     *         ({@link LabelCheck#SEARCH_TOKEN}) or a usage the spec cannot have (EC with DECRYPT)
     */
    HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check);

    /**
     * Finds a key pair by label, with its public key; empty if the token holds none under that
     * label (an AES or HMAC key of that label is not one). Same availability rule as {@link #findKey}.
     */
    Optional<HsmKeyPair> findKeyPair(String label);

    /** Finds many key pairs at once (see {@link #findKeys}); absent labels are missing from the map. */
    default Map<String, HsmKeyPair> findKeyPairs(Collection<String> labels) {
        Map<String, HsmKeyPair> found = new LinkedHashMap<>();
        for (String label : labels) {
            findKeyPair(label).ifPresent(pair -> found.put(label, pair));
        }
        return found;
    }

    /**
     * RSA-OAEP decryption inside the HSM ({@code CKM_RSA_PKCS_OAEP}, SHA-256, MGF1-SHA-256, empty
     * label) with the private key of a {@link KeyPairUsage#DECRYPT} pair. Every decryption failure
     * (bad padding, wrong length, wrong key) is {@link HsmErrorKind#AUTHENTICATION_FAILED} with no
     * other detail, so the answer is no padding oracle.
     *
     * @return the plaintext; the caller owns the array and should zero it after use
     * @throws HsmException {@link HsmErrorKind#INVALID_REQUEST} for the private key of a
     *         {@link KeyPairUsage#SIGN} pair or a key that is no key pair (checked before the
     *         ciphertext is looked at); {@link HsmErrorKind#KEY_NOT_FOUND} for a destroyed pair
     */
    byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext);

    /**
     * Signs {@code digest} (already hashed with {@link SignatureScheme#digestAlgorithm()}, exactly
     * {@link SignatureScheme#digestLength()} bytes) inside the HSM with the private key of a
     * {@link KeyPairUsage#SIGN} pair. RSA-PSS signatures are the modulus length; ECDSA signatures
     * are DER-encoded {@code SEQUENCE {r, s}}. Each spec signs with exactly one scheme,
     * {@link SignatureScheme#forSpec}.
     *
     * @throws HsmException {@link HsmErrorKind#INVALID_REQUEST} if the scheme does not fit the key's
     *         spec, the digest is not {@link SignatureScheme#digestLength()} bytes, the key is of a
     *         {@link KeyPairUsage#DECRYPT} pair or no key pair
     */
    byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest);

    /** Random bytes from the HSM's RNG. */
    byte[] randomBytes(int length);

    /**
     * Destroys the token objects under {@code label}: AES or HMAC key (and any session copy of it),
     * or both halves of a key pair;
     * every reference to it then fails with {@link HsmErrorKind#KEY_NOT_FOUND}.
     *
     * @return true if an object was destroyed, false if none existed
     */
    boolean destroyKey(String label);

    /** Reads the key's security attributes back from the HSM. */
    HsmKeyAttributes describeKey(String label);

    /** A cheap liveness probe of the module and token (no key operation). */
    HsmHealth health();

    /** What this HSM is and can do, for logs and the health endpoint; holds no secret. */
    HsmInfo info();

    /**
     * Its state for monitoring, read from memory (cheap enough for every metrics scrape, and never
     * blocked by a stalled HSM); empty for an HSM that keeps none.
     */
    default Optional<HsmStats> stats() {
        return Optional.empty();
    }

    @Override
    void close();
}
