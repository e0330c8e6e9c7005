package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The key store on the embedded H2 file. */
class JdbcStoreTest extends JdbcStoreContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactory.openH2(dir.resolve("db"));
    }
}
