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
 * @param reflection           whether gRPC server reflection is served (to callers with a client
 *                             certificate, as every service on the mTLS port)
 * @param healthHost           the address of the plaintext health port, for probes that cannot
 *                             present a client certificate
 * @param healthPort           that port (0: a free port, tests), or null for none
 */
public record ServerSettings(String host, int port, int maxMessageBytes, int maxConcurrentStreams,
                             int requestsPerSecond, int burst, java.time.Duration dataPlaneTimeout,
                             boolean reflection, String healthHost, Integer healthPort) {
    public static final java.time.Duration DEFAULT_DATA_PLANE_TIMEOUT = java.time.Duration.ofSeconds(5);
    /** The default {@code server.healthHost}: probes from the same host only. */
    public static final String DEFAULT_HEALTH_HOST = "127.0.0.1";

    public ServerSettings {
        java.util.Objects.requireNonNull(healthHost, "healthHost");
        if (healthPort != null && (healthPort < 0 || healthPort > 65535)) {
            throw new IllegalArgumentException("healthPort is 0-65535");
        }
    }

    /** Without reflection and without a health port. */
    public ServerSettings(String host, int port, int maxMessageBytes, int maxConcurrentStreams, int requestsPerSecond,
                          int burst, java.time.Duration dataPlaneTimeout) {
        this(host, port, maxMessageBytes, maxConcurrentStreams, requestsPerSecond, burst, dataPlaneTimeout, false,
                DEFAULT_HEALTH_HOST, null);
    }

    public ServerSettings(String host, int port, int maxMessageBytes, int maxConcurrentStreams, int requestsPerSecond,
                          int burst) {
        this(host, port, maxMessageBytes, maxConcurrentStreams, requestsPerSecond, burst, DEFAULT_DATA_PLANE_TIMEOUT);
    }
}
