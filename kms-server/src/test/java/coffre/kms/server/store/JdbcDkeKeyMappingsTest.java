package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** DKE key name mappings in the embedded H2 file. */
class JdbcDkeKeyMappingsTest extends JdbcDkeKeyMappingsContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactory.openH2(dir.resolve("db"));
    }
}
