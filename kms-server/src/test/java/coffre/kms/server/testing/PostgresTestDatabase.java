package coffre.kms.server.testing;

import coffre.kms.server.config.StoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The real PostgreSQL that the tests use: the dedicated cluster that deploy/lib/postgres.sh creates
 * and starts (deploy/dev/test.sh does it for the whole suite). Where it is comes from the
 * {@code COFFRE_TEST_PG_*} environment variables, else the {@code coffre.test.pg.*} system
 * properties that the root pom sets. Each test gets schemas of its own ({@link #newSchema}), so
 * tests never see each other's rows. A test that needs PostgreSQL fails, never skips, when it is not
 * there: integration tests against the real database are part of the suite.
 *
 * <p>{@link #stopServer()} and {@link #startServer()} stop and start the whole cluster (through
 * Debian's pg_ctlcluster, as root), for tests of what nodes do while the database is down.
 */
public final class PostgresTestDatabase {
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String url;
    private final String user;
    private final Path passwordFile;
    private final String cluster;

    private PostgresTestDatabase(String url, String user, Path passwordFile, String cluster) {
        this.url = url;
        this.user = user;
        this.passwordFile = passwordFile;
        this.cluster = cluster;
    }

    /**
     * The test database, checked to be reachable.
     *
     * @throws IllegalStateException saying how to start it, when it is not reachable
     */
    public static PostgresTestDatabase require() {
        String url = setting("COFFRE_TEST_PG_URL", "coffre.test.pg.url", "jdbc:postgresql://127.0.0.1:55432/coffre");
        String user = setting("COFFRE_TEST_PG_USER", "coffre.test.pg.user", "coffre");
        Path passwordFile = Path.of(setting("COFFRE_TEST_PG_PASSWORD_FILE", "coffre.test.pg.passwordFile",
                "/var/lib/coffre-test-postgres/coffre.password"));
        String cluster = setting("COFFRE_TEST_PG_CLUSTER", "coffre.test.pg.cluster", "coffre-test");
        PostgresTestDatabase db = new PostgresTestDatabase(url, user, passwordFile, cluster);
        if (!Files.isReadable(passwordFile)) {
            throw absent("its password file " + passwordFile + " is not readable", null);
        }
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        } catch (SQLException e) {
            throw absent("cannot connect to " + url + " as " + user + " (SQLState " + e.getSQLState() + ")", e);
        }
        // The leak scan of deploy/dev/test.sh then proves the database password never reaches a log.
        coffre.hsm.testing.SecretLedger.record(db.password());
        return db;
    }

    private static IllegalStateException absent(String why, Throwable cause) {
        return new IllegalStateException("PostgreSQL for the tests is not available: " + why + ". Run deploy/dev/test.sh "
                + "(installs and starts it), or start it alone as root: bash -c 'source deploy/lib/common.sh && "
                + "source deploy/lib/postgres.sh && coffre_pg_test_up'", cause);
    }

    private static String setting(String env, String property, String fallback) {
        String value = System.getenv(env);
        if (value == null || value.isBlank()) {
            value = System.getProperty(property);
        }
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public Path passwordFile() {
        return passwordFile;
    }

    /** A fresh, unused schema name (the store creates the schema when it first opens it). */
    public String newSchema(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String name = "t_" + clean.substring(0, Math.min(clean.length(), 30)) + "_"
                + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        if (!SCHEMA.matcher(name).matches()) {
            throw new IllegalArgumentException("bad schema name " + name);
        }
        return name;
    }

    /** A cluster store in {@code schema}: small pool, short timeouts, the given full-refresh interval. */
    public StoreSettings settings(String schema, Duration refreshInterval) {
        return StoreSettings.postgres(new StoreSettings.Postgres(url, user, passwordFile, null, schema, 4,
                Duration.ofSeconds(2)), refreshInterval);
    }

    public StoreSettings settings(String schema) {
        return settings(schema, StoreSettings.DEFAULT_REFRESH_INTERVAL);
    }

    /** Drops the schema and everything in it; nothing if it does not exist. */
    public void dropSchema(String schema) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("bad schema name " + schema);
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop schema " + schema + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** A new connection as the test role (search_path {@code schema} when not null). */
    public Connection connect(String schema) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password());
        props.setProperty("connectTimeout", "5");
        if (schema != null) {
            props.setProperty("currentSchema", schema);
        }
        Connection c = new org.postgresql.Driver().connect(url, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        return c;
    }

    public Connection connect() throws SQLException {
        return connect(null);
    }

    private String password() {
        try {
            return Files.readString(passwordFile).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + passwordFile, e);
        }
    }

    /** True when a connection can be made now. */
    public boolean reachable() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Stops the server at once, as a crash would ({@code immediate}: no checkpoint; committed work
     * survives through the WAL), and waits until it refuses connections.
     */
    public void stopServer() {
        pgCtlCluster("stop", "-m", "immediate");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reachable()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("PostgreSQL still answers 30 s after stop");
            }
            sleep(100);
        }
    }

    /** Starts the server again and waits until it accepts connections. */
    public void startServer() {
        pgCtlCluster("start");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!reachable()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("PostgreSQL did not accept connections within 60 s of its start");
            }
            sleep(100);
        }
    }

    private void pgCtlCluster(String... action) {
        List<String> command = new java.util.ArrayList<>(List.of("pg_ctlcluster", version(), cluster));
        command.addAll(List.of(action));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run pg_ctlcluster (Debian's postgresql-common): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** COFFRE_TEST_PG_VERSION, else the newest server under /usr/lib/postgresql. */
    private static String version() {
        String version = System.getenv("COFFRE_TEST_PG_VERSION");
        if (version != null && !version.isBlank()) {
            return version.trim();
        }
        try (var dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/postgres")))
                    .map(d -> d.getFileName().toString())
                    .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.replaceAll("\\..*", ""))))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql"));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "PostgresTestDatabase[" + url + " as " + user + "]";
    }
}
