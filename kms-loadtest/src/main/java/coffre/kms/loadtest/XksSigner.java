package coffre.kms.loadtest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs XKS requests with AWS Signature Version 4 (service {@value #SERVICE}), client side, as AWS
 * KMS does: a lean signer of the load tool's own, because at 64 in flight on a machine whose cores
 * the server shares, every microsecond the client spends is taken from the server (the AWS SDK's
 * signer, used before, cost more than the rest of the client's call; docs/performance.md, "XKS vs
 * gRPC"). Its correctness is proved on every call by the server's verifier (any mistake is a 401),
 * and in the tests by the AWS SDK's own signer, which must produce the same {@code Authorization}
 * byte for byte.
 *
 * <p>The request signed (SigV4 "Task 1"): {@code POST}, the path (only unreserved characters and
 * {@code /}: its own canonical URI, which {@link XksEndpoint} guarantees), no query, and the
 * headers AWS's SDK signs for such a request — {@code content-type}, {@code host} (the endpoint's
 * {@link XksEndpoint#authority()}, which the client must send as it is), {@code x-amz-content-sha256}
 * (the body's SHA-256, which the verifier checks against the body) and {@code x-amz-date}; then the
 * string to sign ("Task 2") over the credential scope {@code date/region/kms-xks-proxy/aws4_request},
 * and the signature ("Task 3") with the day's signing key. That key ({@code kSigning}, four HMACs
 * from the secret) is derived once per UTC day and kept; each thread keeps a {@link Mac} initialised
 * with it, so a request costs two SHA-256 and one HMAC, the verifier's own cost.
 *
 * <p>Thread-safe: one signer per run, called from any thread (each event loop of the client).
 */
final class XksSigner {
    static final String SERVICE = "kms-xks-proxy";
    static final String CONTENT_TYPE = "application/json";
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String SIGNED_HEADERS = "content-type;host;x-amz-content-sha256;x-amz-date";

    private static final HexFormat HEX = HexFormat.of();
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** The headers of one signed request, besides {@code Host}, which the HTTP client sends itself. */
    record Signed(String contentSha256, String amzDate, String authorization) {
    }

    /** The signing key of one day, and its credential-scope text. */
    private record DayKey(String date, byte[] key, String scope) {
    }

    /** A thread's HMAC, initialised with one day's key, and its own SHA-256. */
    private static final class ThreadState {
        final MessageDigest sha256 = newSha256();
        Mac hmac;
        String hmacDate;
        long second = Long.MIN_VALUE;
        String amzDate;
    }

    private final String accessKeyId;
    private final byte[] secretKey;
    private final String region;
    private final Clock clock;
    private final String canonicalHeadersAfterContentType;
    private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);
    private volatile DayKey day;

    XksSigner(XksEndpoint endpoint, SigV4Credential credential, String region, Clock clock) {
        this.accessKeyId = credential.accessKeyId();
        this.secretKey = credential.signingSecret();
        this.region = region;
        this.clock = clock;
        this.canonicalHeadersAfterContentType = "\nhost:" + endpoint.authority() + "\nx-amz-content-sha256:";
    }

    /**
     * Signs a POST of {@code body} to {@code path}.
     *
     * @throws IllegalArgumentException if {@code path} is not its own canonical URI (not an XKS path)
     */
    Signed sign(String path, byte[] body) {
        requireCanonical(path);
        ThreadState thread = threads.get();
        long millis = clock.millis();
        long second = Math.floorDiv(millis, 1000);
        if (second != thread.second) {
            thread.amzDate = AMZ_DATE.format(Instant.ofEpochSecond(second));
            thread.second = second;
        }
        String amzDate = thread.amzDate;
        DayKey key = dayKey(amzDate.substring(0, 8));
        String payloadHash = HEX.formatHex(thread.sha256.digest(body));
        String canonicalRequest = "POST\n" + path + "\n\ncontent-type:" + CONTENT_TYPE
                + canonicalHeadersAfterContentType + payloadHash + "\nx-amz-date:" + amzDate + "\n\n"
                + SIGNED_HEADERS + '\n' + payloadHash;
        String stringToSign = ALGORITHM + '\n' + amzDate + '\n' + key.scope() + '\n'
                + HEX.formatHex(thread.sha256.digest(canonicalRequest.getBytes(StandardCharsets.US_ASCII)));
        String signature = HEX.formatHex(hmac(thread, key).doFinal(stringToSign.getBytes(StandardCharsets.US_ASCII)));
        return new Signed(payloadHash, amzDate, ALGORITHM + " Credential=" + accessKeyId + '/' + key.scope()
                + ", SignedHeaders=" + SIGNED_HEADERS + ", Signature=" + signature);
    }

    /** The day's signing key, derived when the day changes (racing threads derive the same key). */
    private DayKey dayKey(String date) {
        DayKey current = day;
        if (current != null && current.date().equals(date)) {
            return current;
        }
        byte[] key = secretKey.clone();
        for (String step : new String[] {date, region, SERVICE, "aws4_request"}) {
            byte[] next = hmac(key, step);
            Arrays.fill(key, (byte) 0);
            key = next;
        }
        DayKey derived = new DayKey(date, key, date + '/' + region + '/' + SERVICE + "/aws4_request");
        day = derived;
        return derived;
    }

    private static Mac hmac(ThreadState thread, DayKey key) {
        if (!key.date().equals(thread.hmacDate)) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key.key(), "HmacSHA256"));
                thread.hmac = mac;
                thread.hmacDate = key.date();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
            }
        }
        return thread.hmac;
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * Unreserved characters and '/' only, no empty, {@code .} or {@code ..} segment: then the path is
     * its own SigV4 canonical URI, neither encoded nor normalised.
     */
    private static void requireCanonical(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean unreserved = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
            if (!unreserved) {
                throw new IllegalArgumentException("the path would need SigV4 encoding: " + path);
            }
        }
        String segments = path + '/';
        if (segments.contains("//") || segments.contains("/./") || segments.contains("/../")) {
            throw new IllegalArgumentException("the path would need SigV4 normalisation: " + path);
        }
    }
}
