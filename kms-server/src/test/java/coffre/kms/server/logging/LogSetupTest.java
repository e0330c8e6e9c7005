package coffre.kms.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import coffre.kms.server.config.LoggingSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The packaged {@code logback.xml} and {@link LogSetup} on a Logback context of the test's own (the
 * test JVM's logging is left alone): text lines as before, with the request id when a call's;
 * JSON lines that parse, one per event, with {@code request_id} in {@code mdc}.
 */
class LogSetupTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private LoggerContext context;

    @BeforeEach
    void packagedConfiguration() throws JoranException {
        context = new LoggerContext();
        // The adapter SLF4J's MDC writes to, as the node's context has it.
        context.setMDCAdapter(MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogSetup.class.getResource("/logback.xml"));
    }

    private Logger root() {
        return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** What the root's only appender writes for one event logged now (with the MDC as it is now). */
    @SuppressWarnings("unchecked")
    private String encode(Level level, String message, Object[] arguments, Throwable thrown) {
        Logger logger = context.getLogger("coffre.kms.server.grpc.GrpcEndpoint");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, level, message, thrown, arguments);
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>) root().iteratorForAppenders()
                .next();
        return new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void textLinesAsBeforeWithTheRequestIdOfACall() {
        String plain = encode(Level.WARN, "store unavailable: {}", new Object[] {"connection refused"}, null);
        assertTrue(plain.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) \\[[^]]+] WARN "
                + "GrpcEndpoint - store unavailable: connection refused\\R"), plain);
        String ofACall = CallLogContext.with("req-42", () -> encode(Level.INFO, "created key k1", null, null));
        assertTrue(ofACall.endsWith(" INFO GrpcEndpoint - created key k1 [request_id=req-42]" + System.lineSeparator()),
                ofACall);
        assertNull(MDC.get(CallLogContext.REQUEST_ID), "the request id is gone after the call");
    }

    @Test
    void thePackagedLevelsKeepThePoolQuiet() {
        assertEquals(Level.INFO, root().getLevel());
        assertEquals(Level.WARN, context.getLogger("com.zaxxer.hikari").getLevel());
        assertEquals(Level.WARN, context.getLogger("org.flywaydb").getLevel());
    }

    @Test
    void jsonLinesParseWithTheRequestIdAndNoRawArguments() throws Exception {
        LogSetup.apply(new LoggingSettings(LoggingSettings.Format.JSON, null), context);
        String line = CallLogContext.with("req-7", () -> encode(Level.WARN, "store unavailable: {}",
                new Object[] {"a \"quoted\"\nsecond line"}, null));
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line per event: " + line);
        JsonNode event = JSON.readTree(line);
        assertEquals("WARN", event.get("level").asText());
        assertEquals("coffre.kms.server.grpc.GrpcEndpoint", event.get("loggerName").asText());
        assertEquals("store unavailable: a \"quoted\"\nsecond line", event.get("formattedMessage").asText());
        assertEquals("req-7", event.get("mdc").get("request_id").asText());
        assertTrue(event.get("timestamp").isNumber());
        assertNotNull(event.get("threadName"));
        assertFalse(event.has("arguments"), "arguments appear only in the formatted message");
        assertFalse(event.has("message"), "the raw pattern is not repeated");
        assertFalse(event.has("context"));

        JsonNode noCall = JSON.readTree(encode(Level.ERROR, "unexpected failure", null,
                new IllegalStateException("boom")));
        assertFalse(noCall.get("mdc").has("request_id"));
        assertEquals("java.lang.IllegalStateException", noCall.get("throwable").get("className").asText());
    }

    @Test
    void applyingTwiceKeepsOneJsonAppenderAndTheLevelIsSet() {
        LoggingSettings settings = new LoggingSettings(LoggingSettings.Format.JSON, LoggingSettings.Level.DEBUG);
        LogSetup.apply(settings, context);
        var first = root().getAppender(LogSetup.JSON_APPENDER);
        LogSetup.apply(settings, context);
        assertSame(first, root().getAppender(LogSetup.JSON_APPENDER));
        assertNull(root().getAppender("STDERR"), "the text appender is gone");
        assertEquals(Level.DEBUG, root().getLevel());
    }

    @Test
    void textKeepsThePackagedAppender() {
        LogSetup.apply(new LoggingSettings(LoggingSettings.Format.TEXT, LoggingSettings.Level.WARN), context);
        assertNotNull(root().getAppender("STDERR"));
        assertNull(root().getAppender(LogSetup.JSON_APPENDER));
        assertEquals(Level.WARN, root().getLevel());
    }
}
