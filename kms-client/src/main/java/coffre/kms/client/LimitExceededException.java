package coffre.kms.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A server limit refused the call before any work: this caller's rate limit ({@code RATE_LIMITED};
 * wait {@link #retryAfter()} and retry) or the largest request the server accepts
 * ({@code MESSAGE_TOO_LARGE}; {@code metadata().get("limit")} gives it in bytes).
 */
public class LimitExceededException extends CoffreException {

    /** The {@code ErrorInfo} metadata key of the wait a rate-limited caller should observe, in milliseconds. */
    public static final String RETRY_AFTER_MS = "retry_after_ms";

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public LimitExceededException(Status.Code code, String reason, Map<String, String> metadata,
                                  String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }

    /** How long to wait before retrying, when the server said ({@code RATE_LIMITED}); empty otherwise. */
    public Optional<Duration> retryAfter() {
        String millis = metadata().get(RETRY_AFTER_MS);
        if (millis == null) {
            return Optional.empty();
        }
        try {
            long value = Long.parseLong(millis.strip());
            return value < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(value));
        } catch (NumberFormatException e) {
            // A malformed hint is no hint; the failure itself is still reported whole.
            return Optional.empty();
        }
    }
}
