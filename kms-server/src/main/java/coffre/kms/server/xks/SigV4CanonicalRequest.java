package coffre.kms.server.xks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SigV4's canonical request and string to sign (SigV4 "Task 1" and "Task 2"), built from a request
 * exactly as received:
 * <pre>
 * METHOD \n rawPath \n (empty query) \n name:value \n ... \n \n signed;header;names \n hex(SHA-256(body))
 * </pre>
 * Header lines follow {@code SignedHeaders} as sent (whatever the signer chose to sign), values
 * trimmed with inner whitespace runs collapsed and several values comma-joined; {@code host} is
 * the received {@code Host} or HTTP/2 {@code :authority}, never a configured name, because that is
 * what the client signed.
 */
final class SigV4CanonicalRequest {
    private static final HexFormat HEX = HexFormat.of();

    private SigV4CanonicalRequest() {
    }

    /** The string to sign: algorithm, X-Amz-Date, credential scope, hash of the canonical request. */
    static String stringToSign(String amzDate, SigV4Authorization auth, String canonicalRequest) {
        return SigV4Authorization.ALGORITHM + '\n' + amzDate + '\n' + auth.credentialScope() + '\n'
                + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    }

    /** The canonical request of {@code request} for the headers {@code auth} lists. */
    static String of(SigV4Request request, SigV4Authorization auth, String payloadHash) {
        return request.method() + '\n' + request.rawPath() + "\n\n"
                + canonicalHeaders(request, auth.signedHeaders()) + '\n'
                + auth.signedHeadersList() + '\n' + payloadHash;
    }

    /** Lower-case hex SHA-256 of the body bytes as received. */
    static String payloadHash(byte[] body) {
        return HEX.formatHex(sha256(body));
    }

    private static String canonicalHeaders(SigV4Request request, List<String> signedHeaders) {
        StringBuilder out = new StringBuilder(256);
        for (String name : signedHeaders) {
            List<String> values = "host".equals(name) ? List.of(hostOf(request)) : request.header(name);
            if (values.isEmpty()) {
                throw SigV4Verifier.refused("a signed header is missing from the request");
            }
            out.append(name).append(':');
            for (int i = 0; i < values.size(); i++) {
                out.append(i == 0 ? "" : ",").append(trimAll(values.get(i)));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * HTTP/1.1 {@code Host} or HTTP/2 {@code :authority}: at most one of each (RFC 9112 refuses two
     * Host headers), and the same value if an HTTP/2 client sent both (RFC 9113).
     */
    private static String hostOf(SigV4Request request) {
        List<String> hosts = request.header("host");
        List<String> authorities = request.header(":authority");
        if (hosts.size() > 1 || authorities.size() > 1 || hosts.isEmpty() && authorities.isEmpty()) {
            throw SigV4Verifier.refused("the request must carry exactly one Host (or :authority)");
        }
        String host = hosts.isEmpty() ? authorities.get(0) : hosts.get(0);
        if (!authorities.isEmpty() && !authorities.get(0).equals(host)) {
            throw SigV4Verifier.refused("the request must carry exactly one Host (or :authority)");
        }
        return host;
    }

    /** SigV4's "trimall": no leading or trailing whitespace, inner runs of it become one space. */
    static String trimAll(String value) {
        if (isTrimmed(value)) {
            return value; // what every signer sends: nothing to do
        }
        StringBuilder out = new StringBuilder(value.length());
        boolean pendingSpace = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t') {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** No leading or trailing whitespace, no tab, no two spaces in a row. */
    private static boolean isTrimmed(String value) {
        int last = value.length() - 1;
        if (last >= 0 && (value.charAt(0) == ' ' || value.charAt(last) == ' ')) {
            return false;
        }
        for (int i = 0; i <= last; i++) {
            char c = value.charAt(i);
            if (c == '\t' || c == ' ' && value.charAt(i + 1) == ' ') {
                return false;
            }
        }
        return true;
    }

    static byte[] hmac(SecretKeySpec key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** SHA-256 with this thread's digest: a lookup per request would cost a third of the hash of a small body. */
    static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data);
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    });
}
