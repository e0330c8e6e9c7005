package coffre.kms.server.audit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the audit log keeps of one call of an Office client on the DKE listener, in the fields
 * every event has (so the chain's encoding, exports and offline checks stay as they are):
 * <ul>
 *   <li>{@code principal}: {@code dke:<user>} — the token's {@code upn}, else {@code email}, else
 *       {@code oid} (empty when no token validated);</li>
 *   <li>{@code target}: the DKE key name of the path ({@code dke:<key name>});</li>
 *   <li>{@code key_id}, {@code key_version}: the Coffre key the name maps to and the version used
 *       (the version in the URL for a decrypt, the primary version handed out for a public key);</li>
 *   <li>{@code detail}: {@code name=value} pairs, values percent-escaped as in {@link XksCallRecord},
 *       in this order: {@code tenant} (the token's {@code tid}), {@code user}, {@code oid},
 *       {@code error} (the code answered), {@code why} (which token check or policy refused),
 *       {@code approvalRequestId} (a break-glass refusal's request). Absent values are left out.</li>
 * </ul>
 * Never a token, a ciphertext or a plaintext.
 */
public record DkeCallRecord(String keyName, String user, String tenantId, String objectId, String error, String why,
                            String approvalRequestId) {
    /** The prefix of the event's target. */
    public static final String TARGET_PREFIX = "dke:";

    /** The event's {@code principal}. */
    public String principal() {
        return user == null || user.isEmpty() ? "" : "dke:" + user;
    }

    /** The event's {@code target}. */
    public String target() {
        return keyName == null || keyName.isEmpty() ? "" : TARGET_PREFIX + keyName;
    }

    /** The event's {@code detail}. */
    public String detail() {
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("tenant", tenantId);
        pairs.put("user", user);
        pairs.put("oid", objectId);
        pairs.put("error", error);
        pairs.put("why", why);
        pairs.put("approvalRequestId", approvalRequestId);
        StringBuilder out = new StringBuilder(128);
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            if (pair.getValue() == null || pair.getValue().isEmpty()) {
                continue;
            }
            String text = pair.getKey() + "=" + XksCallRecord.escape(XksCallRecord.valueForm(pair.getValue()));
            if (out.length() + 1 + text.length() > AuditEvent.MAX_DETAIL) {
                break;
            }
            out.append(out.isEmpty() ? "" : " ").append(text);
        }
        return out.toString();
    }
}
