package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** External key stores in the embedded H2 file. */
class JdbcExternalKeyStoresTest extends JdbcExternalKeyStoresContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactory.openH2(dir.resolve("db"));
    }
}
