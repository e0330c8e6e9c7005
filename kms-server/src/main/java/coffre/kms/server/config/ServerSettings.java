package coffre.kms.server.config;

/**
 * Where the gRPC server listens, and what one caller may ask of it.
 *
 * @param port                 0 picks a free port (tests)
 * @param maxMessageBytes      largest gRPC message accepted
 * @param maxConcurrentStreams HTTP/2 streams (calls) in flight per connection
 * @param requestsPerSecond    per principal, sustained; 0 disables the limit
 * @param burst                per principal, requests allowed at once above the sustained rate
 */
public record ServerSettings(String host, int port, int maxMessageBytes, int maxConcurrentStreams,
                             int requestsPerSecond, int burst) {
}
