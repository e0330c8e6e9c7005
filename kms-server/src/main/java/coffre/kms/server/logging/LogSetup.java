package coffre.kms.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import coffre.kms.server.config.LoggingSettings;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Applies a node's {@link LoggingSettings} to Logback, once, in {@code Main} before the node logs
 * anything: the packaged {@code logback.xml} gives text lines; {@code logging.format: json}
 * replaces the root appender with JSON lines on the same stream (stderr), so a log shipper reads
 * one object per line; {@code logging.level} sets the root level. java.util.logging (grpc-java's
 * classes use it) is handed to SLF4J, so that its events take the same format too.
 *
 * <p>The JSON object holds {@code timestamp} (epoch milliseconds), {@code level},
 * {@code threadName}, {@code loggerName}, {@code mdc} (with {@code request_id} for an event logged
 * for a call, see {@link CallLogContext}), {@code formattedMessage} and {@code throwable}. The
 * message's raw pattern and its arguments are left out: the formatted message says it once.
 */
public final class LogSetup {
    static final String JSON_APPENDER = "JSON";

    private LogSetup() {
    }

    /**
     * Applies {@code settings}. Does nothing to the format when SLF4J is bound to something other
     * than Logback (an embedding application's own choice).
     */
    public static void apply(LoggingSettings settings) {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            apply(settings, context);
        }
    }

    /** Applies {@code settings} to {@code context} (the node's, or a test's own). */
    static void apply(LoggingSettings settings, LoggerContext context) {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (settings.level() != null) {
            root.setLevel(Level.toLevel(settings.level().name()));
        }
        if (settings.format() == LoggingSettings.Format.JSON && root.getAppender(JSON_APPENDER) == null) {
            ConsoleAppender<ILoggingEvent> json = jsonAppender(context);
            root.detachAndStopAllAppenders();
            root.addAppender(json);
        }
    }

    private static ConsoleAppender<ILoggingEvent> jsonAppender(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithFormattedMessage(true);
        // The raw pattern and its arguments would repeat the message; the context's properties and
        // the sequence numbers are noise for a shipper.
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithContext(false);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setName(JSON_APPENDER);
        appender.setContext(context);
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
