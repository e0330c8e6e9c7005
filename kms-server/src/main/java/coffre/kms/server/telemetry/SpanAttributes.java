package coffre.kms.server.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import java.util.regex.Pattern;

/**
 * Every attribute a Coffre span may carry, in one place so that what a trace backend receives can
 * be reviewed at a glance: OpenTelemetry's semantic-convention names where one fits, {@code coffre.*}
 * otherwise. Values are bounded and chosen by the server (a method, a reason name, a status, a
 * route template); the one value a caller chooses is its request id, kept only when it is a short
 * token. Never a key id, a principal, a key store or key name, a path as sent, or any request body
 * byte: the audit log holds those, behind its own access control, and the request id leads there.
 */
final class SpanAttributes {
    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
    static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("coffre.outcome");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("coffre.request_id");
    /** Which decision a {@code policy} span is: {@code operation} (may this caller call this RPC) or {@code key}. */
    static final AttributeKey<String> POLICY_SCOPE = AttributeKey.stringKey("coffre.policy.scope");
    static final AttributeKey<String> HSM = AttributeKey.stringKey("coffre.hsm");

    /** The request ids a span keeps: what gRPC's {@code x-request-id} accepts, AWS's UUIDs, ours. */
    private static final Pattern REQUEST_ID_FORM = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private SpanAttributes() {
    }

    static boolean isRequestId(String value) {
        return value != null && REQUEST_ID_FORM.matcher(value).matches();
    }
}
