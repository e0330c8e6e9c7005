package coffre.kms.loadtest;

import java.time.Duration;
import picocli.CommandLine;

/**
 * The value of {@code --envelope-cache MAX-AGE,MAX-MESSAGES} (e.g. {@code 5m,1000}): the bounds of
 * the {@code CachingDataKeys} the envelope scenario measures against sealing without a cache.
 * Parsed on its own so that a bad value fails as a usage error (exit 2) naming what is accepted.
 *
 * @param maxAge      how long a cached data key may be used (positive)
 * @param maxMessages how many records one cached data key may seal (at least 1)
 */
record EnvelopeCacheOption(Duration maxAge, long maxMessages) {
    static final String FORMAT = "MAX-AGE,MAX-MESSAGES, e.g. 5m,1000";

    EnvelopeCacheOption {
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("--envelope-cache: the age must be positive, got " + maxAge);
        }
        if (maxMessages < 1) {
            throw new IllegalArgumentException("--envelope-cache: the messages per data key must be at least 1, got "
                    + maxMessages);
        }
    }

    /** @throws IllegalArgumentException naming the expected form and what was wrong */
    static EnvelopeCacheOption parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException("--envelope-cache takes " + FORMAT + ", got '" + text + "'");
        }
        Duration age;
        try {
            age = new DurationConverter().convert(parts[0].strip());
        } catch (Exception e) {
            throw new IllegalArgumentException("--envelope-cache: bad age '" + parts[0].strip() + "' (" + FORMAT + ")");
        }
        long messages;
        try {
            messages = Long.parseLong(parts[1].strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--envelope-cache: bad message count '" + parts[1].strip() + "' ("
                    + FORMAT + ")");
        }
        return new EnvelopeCacheOption(age, messages);
    }

    @Override
    public String toString() {
        return maxAge.toMillis() / 1000.0 + " s," + maxMessages;
    }

    /** For picocli: a bad value is a parameter error. */
    static final class Converter implements CommandLine.ITypeConverter<EnvelopeCacheOption> {
        @Override
        public EnvelopeCacheOption convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
