package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The audit store's statement plans on the embedded H2 file. */
class JdbcAuditStorePlanTest extends JdbcAuditStorePlanContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactory.openH2(dir.resolve("db"));
    }
}
