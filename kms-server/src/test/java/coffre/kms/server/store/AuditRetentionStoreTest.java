package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Audit retention in the embedded H2 file. */
class AuditRetentionStoreTest extends AuditRetentionStoreContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactoryAccess.openH2WithoutAuditJournal(dir.resolve("db"));
    }
}
