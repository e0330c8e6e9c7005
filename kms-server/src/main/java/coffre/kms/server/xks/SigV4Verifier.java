package coffre.kms.server.xks;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the AWS Signature Version 4 of an XKS request for one key store (spec,
 * "Authentication"; the SigV4 steps "Task 1–4"), with no AWS SDK.
 *
 * <p>Checks, all answered {@link XksError#AUTHENTICATION_FAILED}: the header's strict form
 * ({@link SigV4Authorization}); scope service {@value #SERVICE}, the key store's region and
 * {@code aws4_request}; {@code host} and {@code x-amz-date} among the signed headers and each
 * signed header present; {@code X-Amz-Date} well formed, on the scope's date and within
 * {@link #MAX_CLOCK_SKEW} of the clock (replays outside the window fail); a signed
 * {@code x-amz-content-sha256} equal to the body's hash; then the signature itself, over the
 * canonical request built from the bytes received, compared in constant time. An unknown access
 * key id and a wrong signature give the same answer.
 *
 * <p>Why a port and a cache: the secret stays in the HSM ({@link SigV4DateKeySource} yields only
 * the day's {@code kDate}); this class derives {@code kRegion}, {@code kService} and
 * {@code kSigning} itself and keeps the signing key per (access key id, date, region) in a small
 * map, ready to use ({@link SigV4SigningKey}), so a request costs two SHA-256 and one HMAC in memory. The map is filled only after a
 * signature verified. Call {@link #forget} when a credential is removed or replaced, or the old
 * one would keep working until the end of its day.
 *
 * <p>Thread-safe; one instance per key store.
 */
public final class SigV4Verifier {
    public static final String SERVICE = "kms-xks-proxy";
    /** The spec: requests "more than 5 minutes in the past (or future ...) SHOULD fail". */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /** Two live credentials × two dates around midnight, with room; a full map is emptied. */
    static final int MAX_CACHED_SIGNING_KEYS = 16;

    private static final String BAD_SIGNATURE = XksError.AUTHENTICATION_FAILED.defaultMessage();

    private record CacheKey(String accessKeyId, String date, String region) {
    }

    private final String region;
    private final SigV4DateKeySource dateKeys;
    private final Clock clock;
    private final Map<CacheKey, SigV4SigningKey> signingKeys = new ConcurrentHashMap<>();
    private long generation; // guarded by this: bumped by forget so a derivation in flight is not cached

    /**
     * @param region   the key store's AWS region (the region KMS calls from), e.g. {@code eu-west-3}
     * @param dateKeys the key store's credentials
     * @param clock    the time the {@code X-Amz-Date} window is checked against
     */
    public SigV4Verifier(String region, SigV4DateKeySource dateKeys, Clock clock) {
        if (region == null || region.isBlank() || dateKeys == null || clock == null) {
            throw new IllegalArgumentException("a SigV4 verifier needs a region, its credentials and a clock");
        }
        this.region = region;
        this.dateKeys = dateKeys;
        this.clock = clock;
    }

    /**
     * Verifies one request.
     *
     * @return who signed it
     * @throws XksException {@link XksError#AUTHENTICATION_FAILED} on any failure listed above
     */
    public SigV4Identity verify(SigV4Request request) {
        SigV4Authorization auth = SigV4Authorization.parse(single(request, "authorization"));
        if (!SERVICE.equals(auth.service())) {
            throw refused("the credential scope's service must be " + SERVICE);
        }
        if (!region.equals(auth.region())) {
            throw refused("the credential scope's region is not this key store's region");
        }
        if (!auth.signedHeaders().contains("host") || !auth.signedHeaders().contains("x-amz-date")) {
            throw refused("SignedHeaders must include host and x-amz-date");
        }
        String amzDate = single(request, "x-amz-date");
        Instant signedAt = checkedTime(amzDate, auth.scopeDate());
        if (!isCanonicalPath(request.rawPath())) {
            throw refused("the path is not in canonical form");
        }
        String payloadHash = SigV4CanonicalRequest.payloadHash(request.body());
        if (auth.signedHeaders().contains("x-amz-content-sha256")
                && !payloadHash.equals(single(request, "x-amz-content-sha256"))) {
            throw refused("x-amz-content-sha256 does not match the body");
        }
        String stringToSign = SigV4CanonicalRequest.stringToSign(amzDate, auth,
                SigV4CanonicalRequest.of(request, auth, payloadHash));

        CacheKey cacheKey = new CacheKey(auth.accessKeyId(), auth.scopeDate(), auth.region());
        SigV4SigningKey signingKey = signingKeys.get(cacheKey);
        long generationSeen = -1;
        if (signingKey == null) {
            generationSeen = currentGeneration();
            signingKey = deriveSigningKey(auth).orElseThrow(() -> refused(BAD_SIGNATURE));
        }
        byte[] expected = signingKey.sign(stringToSign);
        if (!MessageDigest.isEqual(expected, auth.signature())) {
            throw refused(BAD_SIGNATURE);
        }
        if (generationSeen >= 0) {
            remember(cacheKey, signingKey, generationSeen);
        }
        return new SigV4Identity(auth.accessKeyId(), signedAt);
    }

    /** Drops the cached signing keys of one access key id: call it when that credential goes. */
    public synchronized void forget(String accessKeyId) {
        generation++;
        signingKeys.keySet().removeIf(key -> key.accessKeyId().equals(accessKeyId));
    }

    /** Drops every cached signing key. */
    public synchronized void forgetAll() {
        generation++;
        signingKeys.clear();
    }

    /** How many signing keys are cached (for the tests of the bound). */
    int cachedSigningKeyCount() {
        return signingKeys.size();
    }

    private synchronized long currentGeneration() {
        return generation;
    }

    private synchronized void remember(CacheKey key, SigV4SigningKey signingKey, long generationSeen) {
        if (generationSeen != generation) {
            return;
        }
        if (signingKeys.size() >= MAX_CACHED_SIGNING_KEYS) {
            signingKeys.clear();
        }
        signingKeys.put(key, signingKey);
    }

    private Instant checkedTime(String amzDate, String scopeDate) {
        Instant signedAt;
        try {
            signedAt = parseAmzDate(amzDate);
        } catch (DateTimeException e) {
            throw refused("X-Amz-Date must be yyyyMMdd'T'HHmmss'Z' (UTC)");
        }
        if (!amzDate.startsWith(scopeDate)) {
            throw refused("the credential scope's date is not the X-Amz-Date's date");
        }
        if (Duration.between(signedAt, clock.instant()).abs().compareTo(MAX_CLOCK_SKEW) > 0) {
            throw refused("X-Amz-Date is more than 5 minutes away from the proxy's clock");
        }
        return signedAt;
    }

    /**
     * {@code yyyyMMdd'T'HHmmss'Z'}, strictly: sixteen characters, digits where digits go, and a real
     * date and time of day (no 31 November, no 24:00, no leap second), read field by field (a
     * {@code DateTimeFormatter} costs several times more on every request).
     *
     * @throws DateTimeException if it is anything else
     */
    static Instant parseAmzDate(String amzDate) {
        if (amzDate.length() != 16 || amzDate.charAt(8) != 'T' || amzDate.charAt(15) != 'Z') {
            throw new DateTimeException("not yyyyMMdd'T'HHmmss'Z'");
        }
        return LocalDateTime.of(number(amzDate, 0, 4), number(amzDate, 4, 6), number(amzDate, 6, 8),
                number(amzDate, 9, 11), number(amzDate, 11, 13), number(amzDate, 13, 15)).toInstant(ZoneOffset.UTC);
    }

    private static int number(String s, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new DateTimeException("not yyyyMMdd'T'HHmmss'Z'");
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private Optional<SigV4SigningKey> deriveSigningKey(SigV4Authorization auth) {
        Optional<byte[]> dateKey = dateKeys.dateKey(auth.accessKeyId(), auth.scopeDate());
        if (dateKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] key = dateKey.get();
        try {
            for (String step : new String[] {auth.region(), SERVICE, SigV4Authorization.TERMINATOR}) {
                byte[] next = SigV4CanonicalRequest.hmac(new SecretKeySpec(key, "HmacSHA256"), step);
                Arrays.fill(key, (byte) 0);
                key = next;
            }
            return Optional.of(new SigV4SigningKey(key));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** '/' then unreserved characters and '/': a path that needs no SigV4 encoding (XksPaths guarantees it). */
    private static boolean isCanonicalPath(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        for (int i = 1; i < path.length(); i++) {
            char c = path.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '~' || c == '/' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static String single(SigV4Request request, String name) {
        List<String> values = request.header(name);
        if (values.size() != 1) {
            throw refused("the request must carry exactly one " + name + " header");
        }
        return values.get(0);
    }

    static XksException refused(String message) {
        return new XksException(XksError.AUTHENTICATION_FAILED, message);
    }
}
