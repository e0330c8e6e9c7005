package coffre.kms.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code logging.*} settings: text at the packaged levels by default, every bad value named. */
class LoggingConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        ConfigFixture.files(dir);
    }

    private static final String BASE = ConfigFixture.BASE;

    private ServerConfig load(String yaml, Map<String, String> env) throws IOException {
        return ConfigFixture.load(dir, yaml, env);
    }

    @Test
    void textAtThePackagedLevelsWithoutASection() throws IOException {
        LoggingSettings logging = load(BASE, Map.of()).logging();
        assertEquals(LoggingSettings.Format.TEXT, logging.format());
        assertNull(logging.level());
        assertEquals(LoggingSettings.DEFAULT, logging);
    }

    @ParameterizedTest(name = "format {0}, level {1}")
    @CsvSource({"json, debug, JSON, DEBUG", "JSON, WARN, JSON, WARN", "text, error, TEXT, ERROR",
            "Text, trace, TEXT, TRACE", "json, info, JSON, INFO"})
    void formatAndLevelAnyCase(String format, String level, LoggingSettings.Format expectedFormat,
                               LoggingSettings.Level expectedLevel) throws IOException {
        LoggingSettings logging = load(BASE + "logging:\n  format: " + format + "\n  level: " + level + "\n", Map.of())
                .logging();
        assertEquals(new LoggingSettings(expectedFormat, expectedLevel), logging);
    }

    @Test
    void theEnvironmentOverridesTheFile() throws IOException {
        LoggingSettings logging = load(BASE + "logging: {format: text}\n",
                Map.of("COFFRE_LOGGING_FORMAT", "json", "COFFRE_LOGGING_LEVEL", "warn")).logging();
        assertEquals(new LoggingSettings(LoggingSettings.Format.JSON, LoggingSettings.Level.WARN), logging);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "logging: {format: yaml}|logging.format: \"yaml\" is not allowed; allowed: text, json",
            "logging: {format: logfmt}|logging.format: \"logfmt\" is not allowed; allowed: text, json",
            "logging: {level: verbose}|logging.level: \"verbose\" is not allowed; allowed: trace, debug, info, warn, error",
            "logging: {level: warning}|logging.level: \"warning\" is not allowed; allowed: trace, debug, info, warn, error",
            "logging: {format: [json]}|logging.format: expected a single value"})
    void badValuesAreRefusedByName(String section, String message) throws IOException {
        ConfigException e = assertThrows(ConfigException.class, () -> load(BASE + section + "\n", Map.of()));
        assertEquals(message, e.getMessage());
    }

    @Test
    void anUnknownLoggingSettingIsRefused() throws IOException {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(BASE + "logging: {format: json, pattern: '%msg'}\n", Map.of()));
        assertTrue(e.getMessage().startsWith("unknown setting(s): logging.pattern;"), e.getMessage());
    }

    @Test
    void aBadEnvironmentValueIsRefusedByItsSetting() throws IOException {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(BASE, Map.of("COFFRE_LOGGING_FORMAT", "xml")));
        assertEquals("logging.format: \"xml\" is not allowed; allowed: text, json", e.getMessage());
    }
}
