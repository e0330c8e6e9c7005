package coffre.kms.server.store;

import coffre.kms.server.access.GrantStore;
import coffre.kms.server.approval.ApprovalStore;
import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.cluster.ClusterLock;
import coffre.kms.server.cluster.ClusterMembers;
import coffre.kms.server.cluster.PostgresChangeFeed;
import coffre.kms.server.cluster.PostgresClusterLock;
import coffre.kms.server.cluster.PostgresClusterMembers;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keys.KeyMetadataStore;
import coffre.kms.server.keystores.ExternalKeyStoreRepository;
import coffre.kms.server.keystores.DkeKeyMappingRepository;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The metadata database: one connection pool, its schema migrated by Flyway from
 * {@code db/migration} when opened, and the stores built over it. Closing it closes the pool.
 */
public final class Storage implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final KeyMetadataStore keys;
    private final java.nio.file.Path auditJournal;
    private final ChangeFeed changes;
    private final GrantStore grants;
    private final ApprovalStore approvals;
    private final ExternalKeyStoreRepository xksStores;
    private final DkeKeyMappingRepository dkeKeys;
    private final ClusterLock clusterLock;
    private final ClusterMembers members;

    Storage(HikariDataSource dataSource) {
        this(dataSource, null);
    }

    /** @param auditJournal where the audit write-ahead journal lives (embedded store), or null */
    Storage(HikariDataSource dataSource, java.nio.file.Path auditJournal) {
        this(dataSource, auditJournal, null, null);
    }

    /**
     * @param schema      where the tables live (created if missing), or null for the connection's default
     * @param clusterFeed the change feed of a cluster store, on which the stores announce their
     *                    changes; null for a single node
     */
    Storage(HikariDataSource dataSource, java.nio.file.Path auditJournal, String schema,
            PostgresChangeFeed clusterFeed) {
        this.dataSource = dataSource;
        this.auditJournal = auditJournal;
        try {
            var flyway = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .javaMigrations(new AuditBatchesMigration(), new AuditTermsMigration());
            if (schema != null) {
                flyway.schemas(schema);
            }
            flyway.load().migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            if (clusterFeed != null) {
                clusterFeed.close();
            }
            throw new StoreException("cannot migrate the store schema: " + e.getMessage(), e);
        }
        ChangePublisher publisher = clusterFeed == null ? ChangePublisher.NONE : clusterFeed;
        this.changes = clusterFeed == null ? ChangeFeed.NONE : clusterFeed;
        this.keys = new JdbcStore(dataSource, publisher);
        this.grants = new JdbcGrantStore(dataSource, publisher);
        this.approvals = new JdbcApprovalStore(dataSource, publisher);
        this.xksStores = new JdbcExternalKeyStores(dataSource, publisher);
        this.dkeKeys = new JdbcDkeKeyMappings(dataSource, publisher);
        this.clusterLock = clusterFeed == null ? ClusterLock.LOCAL : new PostgresClusterLock(dataSource);
        this.members = clusterFeed == null ? ClusterMembers.LOCAL : new PostgresClusterMembers(dataSource, schema);
    }

    /** Key metadata. */
    public KeyMetadataStore keys() {
        return keys;
    }

    /** The audit journal file of an embedded store (see {@link JdbcAuditStore}); empty for a server database. */
    public java.util.Optional<java.nio.file.Path> auditJournal() {
        return java.util.Optional.ofNullable(auditJournal);
    }

    /** Grants, announcing their changes on {@link #changes()}. */
    public GrantStore grants() {
        return grants;
    }

    /** Officers, the quorum rule and approval requests, announcing request changes on {@link #changes()}. */
    public ApprovalStore approvals() {
        return approvals;
    }

    /** External key stores, their credentials and key mappings, announcing changes on {@link #changes()}. */
    public ExternalKeyStoreRepository xksStores() {
        return xksStores;
    }

    /** DKE key name mappings, announcing changes on {@link #changes()}. */
    public DkeKeyMappingRepository dkeKeys() {
        return dkeKeys;
    }

    /**
     * What other nodes sharing this database changed: {@link ChangeFeed#NONE} for the embedded
     * store. The caller subscribes and starts it; {@link #close()} stops it.
     */
    public ChangeFeed changes() {
        return changes;
    }

    /** The lock shared by every node of this database: a JVM lock for the embedded store. */
    public ClusterLock clusterLock() {
        return clusterLock;
    }

    /** How many nodes share this database now: 1 for the embedded store. */
    public ClusterMembers members() {
        return members;
    }

    /**
     * Has the connection pool report its usage (connections active, idle, pending, acquisition and
     * usage times, timeouts) to {@code tracker}, e.g. HikariCP's Micrometer tracker; once per pool.
     *
     * @throws IllegalStateException when a tracker is set already
     */
    public void trackPool(com.zaxxer.hikari.metrics.MetricsTrackerFactory tracker) {
        dataSource.setMetricsTrackerFactory(java.util.Objects.requireNonNull(tracker, "tracker"));
    }

    /** For the other stores (officers and approvals, grants) that share this database. */
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        try {
            changes.close();
        } finally {
            dataSource.close();
        }
    }
}
