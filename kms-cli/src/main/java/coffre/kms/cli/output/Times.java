package coffre.kms.cli.output;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Timestamps for people: UTC, to the second, ISO 8601; "-" when unset. */
public final class Times {

    private Times() {
    }

    /** {@code 2025-06-01T12:00:00Z}, or {@code -} for an unset (zero) timestamp. */
    public static String format(Timestamp timestamp) {
        if (timestamp.getSeconds() == 0 && timestamp.getNanos() == 0) {
            return "-";
        }
        Instant instant = Instant.ofEpochSecond(timestamp.getSeconds()).truncatedTo(ChronoUnit.SECONDS);
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
