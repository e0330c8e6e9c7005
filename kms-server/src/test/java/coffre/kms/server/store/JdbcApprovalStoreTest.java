package coffre.kms.server.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Officers and approval requests in the embedded H2 file. */
class JdbcApprovalStoreTest extends JdbcApprovalStoreContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return StoreFactory.openH2(dir.resolve("db"));
    }
}
