package coffre.kms.server.store;

import java.nio.file.Path;

/** Lets tests in other packages open an embedded store directly. */
public final class StoreFactoryAccess {
    private StoreFactoryAccess() {
    }

    public static Storage openH2(Path path) {
        return StoreFactory.openH2(path);
    }
}
