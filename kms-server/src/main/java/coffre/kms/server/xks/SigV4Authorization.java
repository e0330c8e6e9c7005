package coffre.kms.server.xks;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final String SCOPE_PART = "([^/,\\s]{1,256})";
    private static final String HEADER_NAME = "[a-z0-9!#$%&'*+.^_`|~-]+";
    private static final Pattern FORM = Pattern.compile(
            ALGORITHM + " Credential=" + SCOPE_PART + "/([0-9]{8})/" + SCOPE_PART + "/" + SCOPE_PART + "/" + TERMINATOR
                    + ", ?SignedHeaders=(" + HEADER_NAME + "(?:;" + HEADER_NAME + ")*)"
                    + ", ?Signature=([0-9a-f]{64})");

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
        if (header == null || header.length() > MAX_HEADER_CHARS) {
            throw malformed();
        }
        Matcher m = FORM.matcher(header);
        if (!m.matches()) {
            throw malformed();
        }
        List<String> names = List.of(m.group(5).split(";"));
        for (int i = 1; i < names.size(); i++) {
            if (names.get(i - 1).compareTo(names.get(i)) >= 0) {
                throw new XksException(XksError.AUTHENTICATION_FAILED,
                        "SignedHeaders must be sorted and without duplicates");
            }
        }
        return new SigV4Authorization(m.group(1), m.group(2), m.group(3), m.group(4), names,
                HexFormat.of().parseHex(m.group(6)));
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
