package coffre.kms.server.store;

import coffre.kms.server.cluster.PostgresChangeFeed;
import coffre.kms.server.config.StoreSettings;
import coffre.kms.server.domain.StoreException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the configured metadata database. */
public final class StoreFactory {
    private StoreFactory() {
    }

    public static Storage open(StoreSettings settings) {
        return switch (settings.type()) {
            case H2 -> openH2(settings.path());
            case POSTGRES -> openPostgres(settings);
        };
    }

    /** Longest a single statement may wait on the network before its connection counts as lost. */
    static final java.time.Duration SOCKET_TIMEOUT = java.time.Duration.ofSeconds(30);

    /**
     * The cluster store: a PostgreSQL database shared by every node, through a fixed-size pool
     * that survives a database restart without a node restart. Why these pool settings:
     * connections are checked when borrowed if idle for a moment and pinged every 30 s while idle,
     * and the pool drops one that fails with a connection error, so after a restart the pool
     * refills by itself; a request waits at most {@code connectionTimeout} for a connection, then
     * fails (the caller sees {@code UNAVAILABLE}) instead of hanging while the database is down;
     * TCP keep-alive and a socket timeout bound how long a silently dead link can hold a request.
     */
    static Storage openPostgres(StoreSettings settings) {
        StoreSettings.Postgres pg = settings.postgres();
        PostgresChangeFeed feed = new PostgresChangeFeed(() -> listenConnection(pg), pg.schema(),
                settings.refreshInterval());
        HikariConfig config = new HikariConfig();
        config.setPoolName("coffre-pg");
        config.setJdbcUrl(pg.url());
        config.setUsername(pg.user());
        config.setPassword(password(pg));
        if (pg.schema() != null) {
            config.setSchema(pg.schema());
        }
        config.setMaximumPoolSize(pg.poolSize());
        config.setMinimumIdle(pg.poolSize());
        long timeout = Math.max(250, pg.connectionTimeout().toMillis());
        config.setConnectionTimeout(timeout);
        config.setValidationTimeout(Math.max(250, Math.min(1000, timeout / 2)));
        config.setKeepaliveTime(java.time.Duration.ofSeconds(30).toMillis());
        config.setAutoCommit(true);
        String timeoutSeconds = Long.toString(Math.max(1, (timeout + 999) / 1000));
        config.addDataSourceProperty("connectTimeout", timeoutSeconds);
        // The whole login too (TCP, TLS, authentication, start-up): a database that accepts the
        // connection but does not finish starting must not hold the pool's one connection-adding
        // thread (and so every refill) until the socket timeout.
        config.addDataSourceProperty("loginTimeout", timeoutSeconds);
        config.addDataSourceProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "coffre");
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            feed.close();
            throw new StoreException("cannot connect to PostgreSQL at " + pg.url() + " as " + pg.user() + ": "
                    + rootMessage(e), e);
        }
        return new Storage(dataSource, null, pg.schema(), feed);
    }

    /** The listening connection of the change feed: its own, outside the pool, never in a transaction. */
    private static java.sql.Connection listenConnection(StoreSettings.Postgres pg) throws java.sql.SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", pg.user());
        props.setProperty("password", password(pg));
        String timeoutSeconds = Long.toString(Math.max(1, pg.connectionTimeout().toSeconds()));
        props.setProperty("connectTimeout", timeoutSeconds);
        props.setProperty("loginTimeout", timeoutSeconds);
        // Longer than the feed's idle probe interval: a probe that gets no answer breaks the connection.
        props.setProperty("socketTimeout", "15");
        props.setProperty("tcpKeepAlive", "true");
        // Names the deployment: the cluster's live nodes are counted by it (PostgresClusterMembers).
        props.setProperty("ApplicationName", coffre.kms.server.cluster.PostgresClusterMembers.listenerName(pg.schema()));
        java.sql.Connection connection = new org.postgresql.Driver().connect(pg.url(), props);
        if (connection == null) {
            throw new java.sql.SQLException("not a PostgreSQL URL: " + pg.url(), "08001");
        }
        return connection;
    }

    /** The database password from its file (one trailing newline ignored) or environment variable. */
    private static String password(StoreSettings.Postgres pg) {
        if (pg.passwordEnv() != null) {
            String value = System.getenv(pg.passwordEnv());
            if (value == null) {
                throw new StoreException("store.passwordEnv: environment variable " + pg.passwordEnv()
                        + " is not set", null);
            }
            return value;
        }
        try {
            String value = Files.readString(pg.passwordFile());
            return value.endsWith("\r\n") ? value.substring(0, value.length() - 2)
                    : value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
        } catch (java.io.IOException e) {
            throw new StoreException("store.passwordFile: cannot read " + pg.passwordFile(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * The embedded single-node store: one H2 file, no set-up. The file lock (H2's default) stops a
     * second process from opening the same database by mistake.
     */
    static Storage openH2(Path path) {
        return openH2(path, true);
    }

    /** @param auditJournal whether audit appends go through the journal (always, but in some tests) */
    static Storage openH2(Path path, boolean auditJournal) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create the store directory for " + path, e);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("coffre-h2");
        config.setJdbcUrl("jdbc:h2:file:" + path.toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("coffre");
        config.setPassword("");
        config.setMaximumPoolSize(4);
        config.setAutoCommit(true);
        return new Storage(new HikariDataSource(config),
                auditJournal ? path.toAbsolutePath().resolveSibling(path.getFileName() + ".audit-journal") : null);
    }
}
