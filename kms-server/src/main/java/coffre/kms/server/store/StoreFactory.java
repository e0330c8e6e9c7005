package coffre.kms.server.store;

import coffre.kms.server.config.StoreSettings;
import coffre.kms.server.domain.Store;
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
        };
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
            throw new Store.StoreException("cannot create the store directory for " + path, e);
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
