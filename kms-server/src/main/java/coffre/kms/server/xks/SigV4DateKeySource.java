package coffre.kms.server.xks;

import java.util.Optional;

/**
 * The port through which {@link SigV4Verifier} reaches a key store's SigV4 secrets without ever
 * holding one: it yields the first derived key of SigV4, the <em>date key</em>
 * {@code kDate = HMAC-SHA256("AWS4" + secret, yyyymmdd)}, for an access key id.
 *
 * <p>In production the HMAC key {@code "AWS4" + secret} (see {@link coffre.kms.server.keystores.XksCredentialRules#aws4Key})
 * is a non-extractable key in the HSM, so the secret never exists in memory after it is imported;
 * the implementation may cache each date key for its UTC day. A key store has at most two live
 * credential pairs (rotation), and the access key id selects the pair.
 *
 * <p>Contract: return empty for an access key id the key store does not have (or no longer has);
 * return a fresh 32-byte array on every call, which the caller zeroes after use. Failures of the
 * HSM propagate unchanged (the edge maps them to {@code DependencyTimeoutException} or
 * {@code InternalException}).
 */
@FunctionalInterface
public interface SigV4DateKeySource {
    /**
     * @param accessKeyId the access key id of the request's credential scope, as sent (untrusted)
     * @param yyyymmdd    the credential scope's date, eight digits, already checked against the clock
     */
    Optional<byte[]> dateKey(String accessKeyId, String yyyymmdd);
}
