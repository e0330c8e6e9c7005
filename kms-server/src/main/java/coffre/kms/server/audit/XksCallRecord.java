package coffre.kms.server.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the audit log keeps of one call from an AWS external key store (the XKS listener), in the
 * fields every event has, so the hash chain's encoding (and every export and offline check) stays
 * as it is:
 * <ul>
 *   <li>{@code principal}: the key store's principal, {@code xks:<store name>} (empty when the
 *       path named no store);</li>
 *   <li>{@code target}: the key store's id ({@code xks-...});</li>
 *   <li>{@code request_id}: KMS's {@code kmsRequestId}, to correlate with CloudTrail
 *       ({@link #requestIdForm}: up to 64 characters as sent, a longer one shortened with its digest);</li>
 *   <li>{@code key_id}, {@code key_version}: the Coffre key and version used;</li>
 *   <li>{@code detail}: the rest, {@link #detail()} as {@code name=value} pairs separated by one
 *       space, values percent-escaped (space, {@code %}, {@code =}, anything outside printable
 *       ASCII), in this order: {@code awsPrincipalArn}, {@code kmsOperation}, {@code externalKeyId},
 *       {@code errorName}, {@code accessKeyId}, {@code kmsViaService}, {@code awsSourceVpc},
 *       {@code awsSourceVpce}, {@code kmsKeyArn}, {@code denial}. Absent values are left out. The
 *       detail holds at most {@value AuditEvent#MAX_DETAIL} characters: pairs that no longer fit are
 *       dropped and {@code truncated=1} closes it; the AWS principal, which queries filter on,
 *       comes first and is never longer than {@value #MAX_VALUE_CHARS} characters
 *       ({@link #valueForm}), so it always fits.</li>
 * </ul>
 * Never a plaintext, a ciphertext, a signature or a secret.
 *
 * @param denial what refused the call, for the operator (e.g. the policy rule {@code rules[3]});
 *               never a request value
 */
public record XksCallRecord(String keyStoreId, String keyStoreName, String externalKeyId, String accessKeyId,
                            String kmsRequestId, String kmsOperation, String awsPrincipalArn, String kmsKeyArn,
                            String kmsViaService, String awsSourceVpc, String awsSourceVpce, String errorName,
                            String denial) {
    /** The longest value kept as it is in the detail; a longer one keeps its start and its digest. */
    public static final int MAX_VALUE_CHARS = 160;
    static final String AWS_PRINCIPAL_ARN = "awsPrincipalArn";
    private static final String TRUNCATED = "truncated=1";
    private static final int MAX_REQUEST_ID = AuditEvent.MAX_REQUEST_ID;

    /** The event's {@code principal}: {@code xks:<store name>}, or empty for no store. */
    public String principal() {
        return keyStoreName == null || keyStoreName.isEmpty() ? "" : "xks:" + keyStoreName;
    }

    /** The event's {@code request_id}. */
    public String requestId() {
        return kmsRequestId == null ? "" : requestIdForm(kmsRequestId);
    }

    /** The event's {@code target}. */
    public String target() {
        return keyStoreId == null ? "" : keyStoreId;
    }

    /** The event's {@code detail}, as the class comment describes. */
    public String detail() {
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put(AWS_PRINCIPAL_ARN, awsPrincipalArn);
        pairs.put("kmsOperation", kmsOperation);
        pairs.put("externalKeyId", externalKeyId);
        pairs.put("errorName", errorName);
        pairs.put("accessKeyId", accessKeyId);
        pairs.put("kmsViaService", kmsViaService);
        pairs.put("awsSourceVpc", awsSourceVpc);
        pairs.put("awsSourceVpce", awsSourceVpce);
        pairs.put("kmsKeyArn", kmsKeyArn);
        pairs.put("denial", denial);
        StringBuilder out = new StringBuilder(256);
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            if (pair.getValue() == null || pair.getValue().isEmpty()) {
                continue;
            }
            String text = pair.getKey() + "=" + escape(valueForm(pair.getValue()));
            int room = AuditEvent.MAX_DETAIL - TRUNCATED.length() - 1;
            if (out.length() + 1 + text.length() > room) {
                out.append(out.isEmpty() ? "" : " ").append(TRUNCATED);
                break;
            }
            out.append(out.isEmpty() ? "" : " ").append(text);
        }
        return out.toString();
    }

    /**
     * The AWS principal an XKS event's detail names, in its {@link #valueForm}; empty for any other
     * event or when absent. For the store's index and the queries that filter on it.
     */
    public static Optional<String> awsPrincipalOf(AuditEventType type, String detail) {
        if (!type.isXks() || !detail.startsWith(AWS_PRINCIPAL_ARN + "=")) {
            return Optional.empty();
        }
        int end = detail.indexOf(' ');
        return Optional.of(unescape(detail.substring(AWS_PRINCIPAL_ARN.length() + 1, end < 0 ? detail.length() : end)));
    }

    /** The pairs of a detail written by {@link #detail()}, unescaped (for tools and tests). */
    public static Map<String, String> parse(String detail) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (detail.isEmpty()) {
            return pairs;
        }
        for (String pair : detail.split(" ")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                pairs.put(pair.substring(0, eq), unescape(pair.substring(eq + 1)));
            }
        }
        return pairs;
    }

    /**
     * How a value is kept: itself up to {@value #MAX_VALUE_CHARS} characters, else its first 95,
     * {@code #} and its SHA-256 in hex (ARNs may have 2,048 characters). A query applies the same
     * form to the value it looks for, so a long value is still found exactly.
     */
    public static String valueForm(String value) {
        return shortened(value, MAX_VALUE_CHARS);
    }

    /** How {@code kmsRequestId} is kept in the event's request id (64 characters at most). */
    public static String requestIdForm(String kmsRequestId) {
        return shortened(kmsRequestId, MAX_REQUEST_ID);
    }

    private static String shortened(String value, int max) {
        if (value.length() <= max) {
            return value;
        }
        String digest = ChainHash.sha256Hex(value.getBytes(StandardCharsets.UTF_8));
        int keep = max - 1 - Math.min(64, max / 2);
        int end = Character.isHighSurrogate(value.charAt(keep - 1)) ? keep - 1 : keep;
        return value.substring(0, end) + "#" + digest.substring(0, max - keep - 1);
    }

    static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%' && c != '=') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String unescape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
            int low = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
            if (c == '%' && high >= 0 && low >= 0) {
                out.write(high << 4 | low);
                i += 2;
            } else {
                out.write((byte) c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
