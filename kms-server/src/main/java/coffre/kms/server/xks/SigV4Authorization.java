package coffre.kms.server.xks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code Authorization} header of a SigV4-signed request, parsed strictly:
 * <pre>
 * AWS4-HMAC-SHA256 Credential={akid}/{yyyymmdd}/{region}/{service}/aws4_request, SignedHeaders={h1;h2;...}, Signature={64 lower-hex}
 * </pre>
 * The three parts in this order, separated by a comma and at most one space (as every SigV4 signer
 * writes them: the AWS SDKs, curl {@code --aws-sigv4}); header names lower-case, sorted, unique.
 * Anything else is {@link XksError#AUTHENTICATION_FAILED}: a signature the parser had to guess at
 * is not one to trust.
 *
 * @param accessKeyId   as sent (not yet known to exist)
 * @param scopeDate     the credential scope's date, {@code yyyymmdd}
 * @param region        the credential scope's region
 * @param service       the credential scope's service
 * @param signedHeaders the signed header names, lower-case, in canonical order
 * @param signature     the 32 signature bytes
 */
public record SigV4Authorization(String accessKeyId, String scopeDate, String region, String service,
                                 List<String> signedHeaders, byte[] signature) {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String TERMINATOR = "aws4_request";
    /** Far above any real header (about 250 characters): bounds the work on a hostile one. */
    static final int MAX_HEADER_CHARS = 2048;

    private static final String CREDENTIAL = ALGORITHM + " Credential=";
    private static final String SIGNED_HEADERS = "SignedHeaders=";
    private static final String SIGNATURE = "Signature=";
    /** The most characters of one credential-scope part (access key id, region, service). */
    private static final int MAX_SCOPE_PART_CHARS = 256;
    private static final int SIGNATURE_HEX_CHARS = 64;

    public SigV4Authorization {
        signedHeaders = List.copyOf(signedHeaders);
        signature = signature.clone();
    }

    /**
     * Parses one header value.
     *
     * @throws XksException {@link XksError#AUTHENTICATION_FAILED} unless it has exactly the form above
     */
    public static SigV4Authorization parse(String header) {
        if (header == null || header.length() > MAX_HEADER_CHARS || !header.startsWith(CREDENTIAL)) {
            throw malformed();
        }
        // A cursor over the header, part by part: what a regular expression did before, at a
        // fraction of its cost on every request (and with no backtracking to bound).
        int at = CREDENTIAL.length();
        int end = scopePart(header, at);
        String accessKeyId = header.substring(at, end);
        at = end + 1;
        end = at + 8;
        if (end >= header.length() || header.charAt(end) != '/' || !digits(header, at, end)) {
            throw malformed();
        }
        String scopeDate = header.substring(at, end);
        at = end + 1;
        end = scopePart(header, at);
        String region = header.substring(at, end);
        at = end + 1;
        end = scopePart(header, at);
        String service = header.substring(at, end);
        at = end + 1;
        if (!header.startsWith(TERMINATOR, at)) {
            throw malformed();
        }
        at = afterSeparator(header, at + TERMINATOR.length(), SIGNED_HEADERS);
        List<String> names = new ArrayList<>(8);
        end = at;
        while (true) {
            while (end < header.length() && isHeaderNameChar(header.charAt(end))) {
                end++;
            }
            if (end == at || end == header.length()) {
                throw malformed();
            }
            names.add(header.substring(at, end));
            if (header.charAt(end) != ';') {
                break;
            }
            at = ++end;
        }
        at = afterSeparator(header, end, SIGNATURE);
        if (header.length() - at != SIGNATURE_HEX_CHARS || !lowerHex(header, at)) {
            throw malformed();
        }
        for (int i = 1; i < names.size(); i++) {
            if (names.get(i - 1).compareTo(names.get(i)) >= 0) {
                throw new XksException(XksError.AUTHENTICATION_FAILED,
                        "SignedHeaders must be sorted and without duplicates");
            }
        }
        return new SigV4Authorization(accessKeyId, scopeDate, region, service, names,
                HexFormat.of().parseHex(header, at, header.length()));
    }

    /** The end of a scope part starting at {@code from}: 1 to 256 characters, none of '/', ',' or whitespace, then '/'. */
    private static int scopePart(String header, int from) {
        int end = from;
        while (end < header.length() && end - from <= MAX_SCOPE_PART_CHARS) {
            char c = header.charAt(end);
            if (c == '/') {
                break;
            }
            if (c == ',' || isRegexWhitespace(c)) {
                throw malformed();
            }
            end++;
        }
        if (end == from || end - from > MAX_SCOPE_PART_CHARS || end == header.length()) {
            throw malformed();
        }
        return end;
    }

    /** After {@code ", "} or {@code ","} at {@code at}, then {@code name}: where its value starts. */
    private static int afterSeparator(String header, int at, String name) {
        if (at >= header.length() || header.charAt(at) != ',') {
            throw malformed();
        }
        at++;
        if (at < header.length() && header.charAt(at) == ' ') {
            at++;
        }
        if (!header.startsWith(name, at)) {
            throw malformed();
        }
        return at + name.length();
    }

    /** The characters {@code \s} stands for in a Java regular expression, which the form excluded. */
    private static boolean isRegexWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** A lower-case header-name character: {@code [a-z0-9!#$%&'*+.^_`|~-]}. */
    private static boolean isHeaderNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "!#$%&'*+.^_`|~-".indexOf(c) >= 0;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean lowerHex(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The credential scope as it enters the string to sign. */
    public String credentialScope() {
        return scopeDate + "/" + region + "/" + service + "/" + TERMINATOR;
    }

    /** The {@code SignedHeaders} value as it enters the canonical request. */
    public String signedHeadersList() {
        return String.join(";", signedHeaders);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigV4Authorization other && accessKeyId.equals(other.accessKeyId)
                && scopeDate.equals(other.scopeDate) && region.equals(other.region) && service.equals(other.service)
                && signedHeaders.equals(other.signedHeaders) && Arrays.equals(signature, other.signature);
    }

    @Override
    public int hashCode() {
        return accessKeyId.hashCode() * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "SigV4Authorization[" + accessKeyId + ", " + credentialScope() + ", " + signedHeadersList() + "]";
    }

    private static XksException malformed() {
        return new XksException(XksError.AUTHENTICATION_FAILED,
                "the Authorization header is not an AWS4-HMAC-SHA256 SigV4 header");
    }
}
