package coffre.kms.server.config;

import java.nio.file.Path;

/** Which metadata store to use; {@code path} is the H2 database file (without {@code .mv.db}). */
public record StoreSettings(Type type, Path path) {
    public enum Type { H2 }
}
