package coffre.kms.server.store;

import coffre.kms.server.domain.Store;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The metadata database: one connection pool, its schema migrated by Flyway from
 * {@code db/migration} when opened, and the stores built over it. Closing it closes the pool.
 */
public final class Storage implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Store keys;
    private final java.nio.file.Path auditJournal;

    Storage(HikariDataSource dataSource) {
        this(dataSource, null);
    }

    /** @param auditJournal where the audit write-ahead journal lives (embedded store), or null */
    Storage(HikariDataSource dataSource, java.nio.file.Path auditJournal) {
        this.dataSource = dataSource;
        this.auditJournal = auditJournal;
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw new Store.StoreException("cannot migrate the store schema: " + e.getMessage(), e);
        }
        this.keys = new JdbcStore(dataSource);
    }

    /** Key metadata. */
    public Store keys() {
        return keys;
    }

    /** The audit journal file of an embedded store (see {@link JdbcAuditStore}); empty for a server database. */
    public java.util.Optional<java.nio.file.Path> auditJournal() {
        return java.util.Optional.ofNullable(auditJournal);
    }

    /** For the other stores (officers and approvals, grants) that share this database. */
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
