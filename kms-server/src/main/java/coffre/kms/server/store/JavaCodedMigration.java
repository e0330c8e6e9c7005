package coffre.kms.server.store;

import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * What Coffre's migrations written in Java share: a version and description given by the class
 * (not parsed from its name, so the classes keep ordinary names), no checksum (the code is the
 * migration), and one transaction each.
 */
abstract class JavaCodedMigration implements JavaMigration {
    private final MigrationVersion version;
    private final String description;

    JavaCodedMigration(String version, String description) {
        this.version = MigrationVersion.fromVersion(version);
        this.description = description;
    }

    @Override
    public final MigrationVersion getVersion() {
        return version;
    }

    @Override
    public final String getDescription() {
        return description;
    }

    @Override
    public final Integer getChecksum() {
        return null;
    }

    @Override
    public final boolean canExecuteInTransaction() {
        return true;
    }
}
