package coffre.kms.server.config;

/**
 * Where the gRPC server listens, and what one caller may ask of it.
 *
 * @param port                 0 picks a free port (tests)
 * @param maxMessageBytes      largest gRPC message accepted
 * @param maxConcurrentStreams HTTP/2 streams (calls) in flight per connection
 * @param requestsPerSecond    per principal, sustained; 0 disables the limit
 * @param burst                per principal, requests allowed at once above the sustained rate
 * @param dataPlaneTimeout     a wrap, unwrap, data key or rewrap not done by then is answered
 *                             {@code HSM_UNAVAILABLE}: a hung HSM never holds a caller longer
 */
public record ServerSettings(String host, int port, int maxMessageBytes, int maxConcurrentStreams,
                             int requestsPerSecond, int burst, java.time.Duration dataPlaneTimeout) {
    public static final java.time.Duration DEFAULT_DATA_PLANE_TIMEOUT = java.time.Duration.ofSeconds(5);

    public ServerSettings(String host, int port, int maxMessageBytes, int maxConcurrentStreams, int requestsPerSecond,
                          int burst) {
        this(host, port, maxMessageBytes, maxConcurrentStreams, requestsPerSecond, burst, DEFAULT_DATA_PLANE_TIMEOUT);
    }
}
