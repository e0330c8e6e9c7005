package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Grants in the embedded H2 file. */
class JdbcGrantStoreTest extends JdbcGrantStoreContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactory.openH2(dir.resolve("db"));
    }
}
