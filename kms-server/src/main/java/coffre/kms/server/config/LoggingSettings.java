package coffre.kms.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a node logs: the {@code logging:} section. Text lines stay the default (as a person reads
 * them); JSON lines are for log shippers, one event per line with the call's request id.
 *
 * @param format how each event is written on stderr
 * @param level  the least severe level logged, or null to keep the packaged default (INFO, with the
 *               connection pool and schema migrations at WARN)
 */
public record LoggingSettings(Format format, Level level) {
    /** Text lines at the packaged levels: what a node does without a {@code logging:} section. */
    public static final LoggingSettings DEFAULT = new LoggingSettings(Format.TEXT, null);

    public LoggingSettings {
        if (format == null) {
            throw new IllegalArgumentException("format is required");
        }
    }

    /** How an event is written. */
    public enum Format {
        /** {@code TIME [THREAD] LEVEL Logger - message [request_id=ID]}, one line per event (a stack trace follows it). */
        TEXT,
        /** One JSON object per line (Logback's JsonEncoder), a stack trace inside it. */
        JSON
    }

    /** Logging levels, most verbose first (SLF4J's names). */
    public enum Level {
        TRACE, DEBUG, INFO, WARN, ERROR
    }

    /** Reads {@code logging.format} and {@code logging.level} (overridable by COFFRE_LOGGING_FORMAT / _LEVEL). */
    static LoggingSettings read(SettingsReader r) {
        Format format = parse(r, "logging.format", Format.class, Format.TEXT);
        Level level = parse(r, "logging.level", Level.class, null);
        return new LoggingSettings(format, level);
    }

    private static <E extends Enum<E>> E parse(SettingsReader r, String path, Class<E> type, E defaultValue) {
        String text = r.optionalString(path);
        if (text == null) {
            return defaultValue;
        }
        for (E value : type.getEnumConstants()) {
            if (value.name().equalsIgnoreCase(text)) {
                return value;
            }
        }
        throw new ConfigException(path + ": \"" + text + "\" is not allowed; allowed: " + Arrays.stream(type.getEnumConstants())
                .map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
