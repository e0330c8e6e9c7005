package coffre.kms.cli.args;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A point in time in ISO 8601 with a zone offset: {@code 2026-01-31T18:00:00Z} or {@code 2026-01-31T19:00:00+01:00}. */
public final class InstantConverter implements ITypeConverter<Instant> {

    @Override
    public Instant convert(String text) {
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("'" + text + "' is not an ISO 8601 time with a zone, such as 2026-01-31T18:00:00Z");
        }
    }
}
