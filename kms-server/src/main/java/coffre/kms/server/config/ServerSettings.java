package coffre.kms.server.config;

/**
 * Where the gRPC server listens.
 *
 * @param port 0 picks a free port (tests)
 */
public record ServerSettings(String host, int port, int maxMessageBytes) {
}
