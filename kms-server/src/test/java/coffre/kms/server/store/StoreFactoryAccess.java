package coffre.kms.server.store;

import java.nio.file.Path;

/** Lets tests in other packages open an embedded store directly. */
public final class StoreFactoryAccess {
    private StoreFactoryAccess() {
    }

    public static Storage openH2(Path path) {
        return StoreFactory.openH2(path);
    }

    /**
     * The embedded store without its audit journal: every audit append then writes the database
     * itself, so a test can make the audit log unwritable by renaming its table.
     */
    public static Storage openH2WithoutAuditJournal(Path path) {
        return StoreFactory.openH2(path, false);
    }
}
