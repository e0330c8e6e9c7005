package coffre.kms.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A configuration directory for the loader's tests of one section: placeholder PKI and PIN files
 * (the loader checks they are readable, not what they hold), a minimal valid configuration to
 * which a test appends its section, and loading YAML written there.
 */
final class ConfigFixture {
    /** A minimal valid configuration: the gRPC port and its TLS, the HSM, the store. */
    static final String BASE = """
            server:
              port: 9443
            tls:
              certificate: pki/server.pem
              privateKey: pki/server.key
              clientCa: pki/ca.pem
            hsm:
              tokenLabel: coffre-dev
              pinFile: hsm.pin
            store:
              path: data/coffre
            """;

    private ConfigFixture() {
    }

    /** Writes the files {@link #BASE} names into {@code dir}, and {@code more} (paths relative to it). */
    static void files(Path dir, String... more) throws IOException {
        Files.createDirectories(dir.resolve("pki"));
        for (String name : java.util.stream.Stream.concat(java.util.stream.Stream.of("pki/server.pem",
                "pki/server.key", "pki/ca.pem", "hsm.pin"), java.util.Arrays.stream(more)).toList()) {
            Files.writeString(dir.resolve(name), "x");
        }
    }

    /** {@code yaml} as {@code dir/coffre.yaml}, loaded with {@code env} as the environment. */
    static ServerConfig load(Path dir, String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("coffre.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(env).load(file);
    }
}
