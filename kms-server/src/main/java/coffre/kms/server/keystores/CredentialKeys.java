package coffre.kms.server.keystores;

import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HSM side of SigV4 credentials: each secret lives in the HSM as a sensitive, non-extractable
 * HMAC key whose value is {@code "AWS4" + secret}, so SigV4's first step, the date key
 * {@code HMAC("AWS4" + secret, yyyymmdd)}, is computed there and the secret never sits in memory
 * or on disk after it was handed out.
 *
 * <p>Why a cache: a date key serves a whole UTC day, so one HSM call per credential and day is
 * enough; the XKS hot path then costs no HSM call for its signature. The two most recent dates of
 * each access key id are kept (around midnight, requests signed on either side of it are valid).
 * {@link #forget} drops everything of a credential as soon as it stops being active.
 */
final class CredentialKeys {
    /** Label prefix of a credential's HSM key; the access key id (A-Z, 2-7) completes it. */
    static final String LABEL_PREFIX = "coffre:xks-cred:";

    private final Hsm hsm;
    private final Map<String, HsmKeyRef> refs = new ConcurrentHashMap<>();
    /** access key id → date → date key; inner maps are immutable, with at most two entries. */
    private final Map<String, Map<String, byte[]>> dateKeys = new ConcurrentHashMap<>();

    CredentialKeys(Hsm hsm) {
        this.hsm = Objects.requireNonNull(hsm, "hsm");
    }

    static String label(String accessKeyId) {
        return LABEL_PREFIX + accessKeyId;
    }

    /** Imports {@code aws4Key} (zeroed by the caller) as the HMAC key of {@code accessKeyId}. */
    void importKey(String accessKeyId, byte[] aws4Key) {
        refs.put(accessKeyId, hsm.importMacKey(label(accessKeyId), aws4Key));
    }

    /** Forgets the credential and destroys its HSM key; true if the HSM held one. */
    boolean destroy(String accessKeyId) {
        forget(accessKeyId);
        return hsm.destroyKey(label(accessKeyId));
    }

    /**
     * The date key of {@code accessKeyId} for {@code yyyymmdd}, a fresh array; empty if the HSM
     * holds no key for it (or no longer does: destroyed by a revocation this node has not heard of
     * yet). Other HSM failures propagate.
     */
    Optional<byte[]> dateKey(String accessKeyId, String yyyymmdd) {
        Map<String, byte[]> cached = dateKeys.get(accessKeyId);
        byte[] key = cached == null ? null : cached.get(yyyymmdd);
        if (key == null) {
            HsmKeyRef ref = refs.get(accessKeyId);
            if (ref == null) {
                Optional<HsmKeyRef> found = hsm.findMacKey(label(accessKeyId));
                if (found.isEmpty()) {
                    return Optional.empty();
                }
                ref = found.get();
                refs.put(accessKeyId, ref);
            }
            byte[] computed;
            try {
                computed = hsm.hmacSha256(ref, yyyymmdd.getBytes(StandardCharsets.US_ASCII));
            } catch (HsmException e) {
                if (e.kind() != HsmErrorKind.KEY_NOT_FOUND) {
                    throw e;
                }
                forget(accessKeyId);
                return Optional.empty();
            }
            dateKeys.compute(accessKeyId, (id, dates) -> newest(dates, yyyymmdd, computed));
            key = computed;
        }
        return Optional.of(key.clone());
    }

    /** Drops the credential's HSM reference and its date keys (zeroed). */
    void forget(String accessKeyId) {
        refs.remove(accessKeyId);
        Map<String, byte[]> dropped = dateKeys.remove(accessKeyId);
        if (dropped != null) {
            dropped.values().forEach(key -> Arrays.fill(key, (byte) 0));
        }
    }

    /**
     * {@code dates} with {@code date}'s key added, keeping it and the latest other date: entries
     * dropped here are not zeroed, since another thread may be copying one at this moment.
     */
    private static Map<String, byte[]> newest(Map<String, byte[]> dates, String date, byte[] key) {
        if (dates == null || dates.isEmpty()) {
            return Map.of(date, key);
        }
        String other = dates.keySet().stream().filter(d -> !d.equals(date)).max(String::compareTo).orElse(null);
        return other == null ? Map.of(date, key) : Map.of(date, key, other, dates.get(other));
    }
}
