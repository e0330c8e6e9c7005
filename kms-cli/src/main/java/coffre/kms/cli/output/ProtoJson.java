package coffre.kms.cli.output;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/**
 * JSON rendering of API messages for {@code -o json}.
 *
 * <p>Uses protobuf's canonical JSON mapping, so the output is a contract that follows the .proto
 * files rather than this CLI's code: proto field names ({@code primary_version}), enum value names,
 * RFC 3339 timestamps, bytes as standard base64. Fields at their default value are printed too,
 * so a script sees {@code "alias": ""} rather than a missing key. Map keys are sorted so equal
 * inputs give equal output.
 */
public final class ProtoJson {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence()
            .sortingMapKeys();

    private static final JsonFormat.Printer COMPACT = PRINTER.omittingInsignificantWhitespace();

    private ProtoJson() {
    }

    /** {@code message} as JSON on one line, for streams of events (one object per line). */
    public static String compact(MessageOrBuilder message) {
        try {
            return COMPACT.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** {@code text} as a JSON string literal, quotes included. */
    public static String string(String text) {
        return print(com.google.protobuf.Value.newBuilder().setStringValue(text));
    }

    /** {@code message} as pretty-printed JSON, without a trailing newline. */
    public static String print(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only Any fields with unknown types fail, and the Coffre API has none.
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
