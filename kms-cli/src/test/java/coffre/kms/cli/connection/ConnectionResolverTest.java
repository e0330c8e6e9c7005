package coffre.kms.cli.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.client.ConnectionSettings;
import coffre.kms.client.Endpoint;
import coffre.kms.client.Endpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Precedence flag > env > file > default, config file discovery, and the error messages. */
class ConnectionResolverTest {

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();
    private final Map<Setting, String> flags = new EnumMap<>(Setting.class);
    private Path home;

    /** Three complete sets of values, one per source, each distinguishable from the others. */
    private final Map<String, Map<Setting, String>> values = new HashMap<>();

    @BeforeEach
    void files() throws IOException {
        home = Files.createDirectories(dir.resolve("home"));
        env.put("HOME", home.toString());
        for (String source : new String[] {"flag", "env", "file"}) {
            Path certs = Files.createDirectories(dir.resolve(source));
            Map<Setting, String> set = new EnumMap<>(Setting.class);
            set.put(Setting.ENDPOINT, source + ".example:8443");
            set.put(Setting.CA_CERT, touch(certs.resolve("ca.pem")).toString());
            set.put(Setting.CERT, touch(certs.resolve("cert.pem")).toString());
            set.put(Setting.KEY, touch(certs.resolve("key.pem")).toString());
            set.put(Setting.TIMEOUT, Map.of("flag", "11", "env", "22", "file", "33").get(source));
            set.put(Setting.AUTHORITY, source + ".authority");
            values.put(source, set);
        }
    }

    private static Path touch(Path file) throws IOException {
        return Files.writeString(file, "x");
    }

    private ConnectionSettings resolve() throws ConfigurationException {
        return resolve(null);
    }

    private ConnectionSettings resolve(String cliConfig) throws ConfigurationException {
        return new ConnectionResolver(env).resolve(new ConnectionFlags(flags, cliConfig));
    }

    private Path writeDefaultConfig(String text) throws IOException {
        Path file = Files.createDirectories(home.resolve(".config/coffre")).resolve("cli.properties");
        return Files.writeString(file, text);
    }

    private void fromFlags(Setting setting) {
        flags.put(setting, values.get("flag").get(setting));
    }

    private void fromEnv(Setting setting) {
        env.put(setting.envVar(), values.get("env").get(setting));
    }

    private void fromFile(Setting... settings) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Setting setting : settings) {
            text.append(setting.fileKey()).append('=').append(values.get("file").get(setting)).append('\n');
        }
        writeDefaultConfig(text.toString());
    }

    /** Makes the three required settings resolvable from the file unless {@code tested} is one of them. */
    private void requiredFromFileExcept(Setting tested, Setting... alsoInFile) throws IOException {
        List<Setting> inFile = new ArrayList<>(List.of(alsoInFile));
        for (Setting required : new Setting[] {Setting.CA_CERT, Setting.CERT, Setting.KEY}) {
            if (required != tested && !inFile.contains(required)) {
                inFile.add(required);
            }
        }
        fromFile(inFile.toArray(Setting[]::new));
    }

    private static String read(Setting setting, ConnectionSettings s) {
        Function<ConnectionSettings, Object> getter = switch (setting) {
            case ENDPOINT -> ConnectionSettings::endpoints;
            case CA_CERT -> ConnectionSettings::caCert;
            case CERT -> ConnectionSettings::cert;
            case KEY -> ConnectionSettings::key;
            case TIMEOUT -> c -> Long.toString(c.timeout().toSeconds());
            case AUTHORITY -> c -> c.authority().orElse("");
        };
        return getter.apply(s).toString();
    }

    @ParameterizedTest
    @EnumSource(Setting.class)
    void flagBeatsEnvAndFile(Setting setting) throws Exception {
        fromFlags(setting);
        fromEnv(setting);
        requiredFromFileExcept(null, setting);

        assertEquals(values.get("flag").get(setting), read(setting, resolve()));
    }

    @ParameterizedTest
    @EnumSource(Setting.class)
    void envBeatsFile(Setting setting) throws Exception {
        fromEnv(setting);
        requiredFromFileExcept(null, setting);

        assertEquals(values.get("env").get(setting), read(setting, resolve()));
    }

    @ParameterizedTest
    @EnumSource(Setting.class)
    void fileIsUsedWhenNothingElseSetsIt(Setting setting) throws Exception {
        requiredFromFileExcept(null, setting);

        assertEquals(values.get("file").get(setting), read(setting, resolve()));
    }

    @ParameterizedTest
    @EnumSource(Setting.class)
    void blankEnvValueCountsAsUnset(Setting setting) throws Exception {
        env.put(setting.envVar(), "  ");
        requiredFromFileExcept(null, setting);

        assertEquals(values.get("file").get(setting), read(setting, resolve()));
    }

    @Test
    void defaultsApplyToEndpointTimeoutAndAuthority() throws Exception {
        requiredFromFileExcept(null);

        ConnectionSettings settings = resolve();

        assertEquals(Endpoints.of(new Endpoint("127.0.0.1", 8443)), settings.endpoints());
        assertEquals(Duration.ofSeconds(10), settings.timeout());
        assertEquals(Optional.empty(), settings.authority());
    }

    @Test
    void relativePathsInTheFileAreResolvedAgainstItsDirectory() throws Exception {
        Path configDir = Files.createDirectories(dir.resolve("conf"));
        touch(Files.createDirectories(configDir.resolve("tls")).resolve("ca.pem"));
        touch(configDir.resolve("tls/cert.pem"));
        touch(configDir.resolve("tls/key.pem"));
        Path config = Files.writeString(configDir.resolve("cli.properties"), """
                # relative to this file, not to the working directory
                ca-cert = tls/ca.pem
                cert = tls/cert.pem
                key = tls/key.pem
                """);

        ConnectionSettings settings = resolve(config.toString());

        assertEquals(configDir.toAbsolutePath().resolve("tls/ca.pem"), settings.caCert());
        assertEquals(configDir.toAbsolutePath().resolve("tls/key.pem"), settings.key());
    }

    @Test
    void cliConfigFlagBeatsEnvWhichBeatsTheDefaultFile() throws Exception {
        fromFile(Setting.CA_CERT, Setting.CERT, Setting.KEY, Setting.ENDPOINT);
        Path viaEnv = Files.writeString(dir.resolve("env.properties"), text("env.example:1", "file"));
        Path viaFlag = Files.writeString(dir.resolve("flag.properties"), text("flag.example:2", "file"));

        assertEquals("file.example:8443", resolve().endpoints().toString());
        env.put(ConnectionResolver.CONFIG_ENV, viaEnv.toString());
        assertEquals("env.example:1", resolve().endpoints().toString());
        assertEquals("flag.example:2", resolve(viaFlag.toString()).endpoints().toString());
    }

    private String text(String endpoint, String certsFrom) {
        Map<Setting, String> certs = values.get(certsFrom);
        return "endpoint=" + endpoint + "\nca-cert=" + certs.get(Setting.CA_CERT) + "\ncert=" + certs.get(Setting.CERT)
                + "\nkey=" + certs.get(Setting.KEY) + "\n";
    }

    @Test
    void xdgConfigHomeBeatsHome() throws Exception {
        fromFile(Setting.CA_CERT, Setting.CERT, Setting.KEY, Setting.ENDPOINT);
        Path xdg = Files.createDirectories(dir.resolve("xdg/coffre"));
        Files.writeString(xdg.resolve("cli.properties"), text("xdg.example:3", "file"));
        env.put("XDG_CONFIG_HOME", dir.resolve("xdg").toString());

        assertEquals("xdg.example:3", resolve().endpoints().toString());
    }

    @Test
    void anExplicitConfigFileMustExist() {
        env.put(ConnectionResolver.CONFIG_ENV, dir.resolve("missing.properties").toString());

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("CLI config file " + dir.resolve("missing.properties") + " (from COFFRE_CLI_CONFIG) does not exist",
                e.getMessage());
    }

    @Test
    void unknownKeysInTheFileAreRefused() throws Exception {
        Path file = writeDefaultConfig("ca_cert=/etc/ca.pem\n");

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("unknown key 'ca_cert' in CLI config file " + file
                + " (known keys: endpoint, ca-cert, cert, key, timeout, authority)", e.getMessage());
    }

    @Test
    void everyMissingCertificateSettingIsListedWithHowToNameAConfigFile() {
        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        String file = "a CLI config file (pass --cli-config FILE or set COFFRE_CLI_CONFIG; default "
                + home.resolve(".config/coffre/cli.properties") + ", not found)";
        assertEquals(String.join("\n",
                "missing connection setting 'ca-cert' (Coffre always uses mTLS): pass --ca-cert FILE, set COFFRE_CA_CERT, "
                        + "or add 'ca-cert=FILE' to " + file,
                "missing connection setting 'cert' (Coffre always uses mTLS): pass --cert FILE, set COFFRE_CERT, "
                        + "or add 'cert=FILE' to " + file,
                "missing connection setting 'key' (Coffre always uses mTLS): pass --client-key FILE, set COFFRE_KEY, "
                        + "or add 'key=FILE' to " + file), e.getMessage());
    }

    @Test
    void aSettingMissingFromTheConfigFileReadNamesThatFile() throws Exception {
        Path file = writeDefaultConfig("ca-cert=/etc/ca.pem\ncert=/etc/cert.pem\n");

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("missing connection setting 'key' (Coffre always uses mTLS): pass --client-key FILE, set COFFRE_KEY, "
                + "or add 'key=FILE' to " + file, e.getMessage());
    }

    @Test
    void withoutHomeTheMessagePointsToTheConfigOptions() {
        env.remove("HOME");
        fromEnv(Setting.CA_CERT);
        fromEnv(Setting.CERT);

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("missing connection setting 'key' (Coffre always uses mTLS): pass --client-key FILE, set COFFRE_KEY, "
                + "or add 'key=FILE' to a CLI config file (pass --cli-config FILE or set COFFRE_CLI_CONFIG)", e.getMessage());
    }

    @Test
    void aCertificateFileThatDoesNotExistIsNamedWithItsSource() throws Exception {
        requiredFromFileExcept(null);
        env.put("COFFRE_CERT", dir.resolve("nope.pem").toString());

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("cert file " + dir.resolve("nope.pem") + " (from COFFRE_CERT) does not exist or is not a readable file",
                e.getMessage());
    }

    @Test
    void aBadEndpointIsNamedWithItsSource() throws Exception {
        requiredFromFileExcept(null);
        env.put("COFFRE_ENDPOINT", "https://kms.example");

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("invalid endpoint from COFFRE_ENDPOINT: 'https://kms.example' has no numeric port (expected host:port)",
                e.getMessage());
    }

    @Test
    void severalEndpointsFromTheEnvironment() throws Exception {
        requiredFromFileExcept(null);
        env.put("COFFRE_ENDPOINT", "kms-a.example:7443, kms-b.example:7443,[::1]:7443");

        assertEquals(List.of(new Endpoint("kms-a.example", 7443), new Endpoint("kms-b.example", 7443),
                new Endpoint("::1", 7443)), resolve().endpoints().all());
    }

    @Test
    void theFirstSourceThatSetsTheEndpointGivesTheWholeList() throws Exception {
        writeDefaultConfig(text("file-a:1,file-b:1", "file"));
        env.put("COFFRE_ENDPOINT", "env-a:1,env-b:1");

        assertEquals("env-a:1,env-b:1", resolve().endpoints().toString());
        flags.put(Setting.ENDPOINT, "flag-a:1");
        assertEquals("flag-a:1", resolve().endpoints().toString());
    }

    @Test
    void aBadEndpointListInTheFileNamesTheKeyTheFileAndTheEntry() throws Exception {
        Path file = writeDefaultConfig(text("kms-a:7443,kms-b", "file"));

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("invalid endpoint from key 'endpoint' in " + file + ": entry 2 of 'kms-a:7443,kms-b': "
                + "'kms-b' is not host:port (IPv6 literals go in brackets: [::1]:8443)", e.getMessage());
    }

    @Test
    void aTrailingCommaIsAnEmptyEntry() throws Exception {
        requiredFromFileExcept(null);
        env.put("COFFRE_ENDPOINT", "kms-a:7443,");

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("invalid endpoint from COFFRE_ENDPOINT: 'kms-a:7443,' has an empty entry at position 2 "
                + "(expected host:port,host:port,...)", e.getMessage());
    }

    @Test
    void aBadTimeoutInTheFileNamesTheKeyAndTheFile() throws Exception {
        Path file = writeDefaultConfig(text("h:1", "file") + "timeout=0\n");

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("invalid timeout '0' from key 'timeout' in " + file + ": expected whole seconds, 1-3600", e.getMessage());
    }

    @Test
    void timeoutAboveTheMaximumIsRefused() throws Exception {
        requiredFromFileExcept(null);
        flags.put(Setting.TIMEOUT, "3601");

        ConfigurationException e = assertThrows(ConfigurationException.class, this::resolve);

        assertEquals("invalid timeout '3601' from --timeout: expected whole seconds, 1-3600", e.getMessage());
    }
}
