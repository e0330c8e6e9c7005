package coffre.kms.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Which metadata store to use.
 *
 * @param path            the H2 database file (without {@code .mv.db}); null for PostgreSQL
 * @param postgres        the PostgreSQL connection; null for H2
 * @param refreshInterval how often a node of a cluster reloads its whole in-memory view from the
 *                        database, as a safety net behind change notifications (PostgreSQL only)
 */
public record StoreSettings(Type type, Path path, Postgres postgres, Duration refreshInterval) {
    /** The default {@code store.refreshInterval}. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(30);
    /** The default {@code store.connectionTimeout}. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(3);

    public enum Type { H2, POSTGRES }

    public StoreSettings {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if ((type == Type.H2) != (path != null) || (type == Type.POSTGRES) != (postgres != null)) {
            throw new IllegalArgumentException("an h2 store has a path, a postgres store its connection settings");
        }
    }

    /**
     * How long a request waits for a database connection before it fails: PostgreSQL's
     * {@code connectionTimeout}, or {@link #DEFAULT_CONNECTION_TIMEOUT} for the embedded store. A
     * call also waits at most this long for its audit event to be written.
     */
    public Duration connectionTimeout() {
        return postgres != null ? postgres.connectionTimeout() : DEFAULT_CONNECTION_TIMEOUT;
    }

    /** The embedded store in the file {@code path}. */
    public StoreSettings(Type type, Path path) {
        this(type, path, null, DEFAULT_REFRESH_INTERVAL);
    }

    /** A cluster store on PostgreSQL. */
    public static StoreSettings postgres(Postgres postgres, Duration refreshInterval) {
        return new StoreSettings(Type.POSTGRES, null, postgres, refreshInterval);
    }

    /**
     * How to reach PostgreSQL. Holds no secret: the password is named by its source, exactly one
     * of {@code passwordFile} and {@code passwordEnv}.
     *
     * @param url               a {@code jdbc:postgresql://} URL
     * @param schema            where Coffre's tables live (created if missing); null: the role's
     *                          default (normally {@code public})
     * @param poolSize          connections kept open for requests (one more listens for changes)
     * @param connectionTimeout how long a request waits for a connection before it fails with
     *                          {@code UNAVAILABLE}, e.g. while the database is down
     */
    public record Postgres(String url, String user, Path passwordFile, String passwordEnv, String schema,
                           int poolSize, Duration connectionTimeout) {
        public Postgres {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(connectionTimeout, "connectionTimeout");
            if ((passwordFile == null) == (passwordEnv == null)) {
                throw new IllegalArgumentException("exactly one of passwordFile and passwordEnv");
            }
        }
    }
}
