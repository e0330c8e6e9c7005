package coffre.kms.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * The listener for AWS KMS external key stores (the XKS proxy API, docs/xks.md): HTTPS on its own
 * address, with its own certificate (one from a CA on AWS's list, for the FQDN AWS KMS calls).
 * Absent from the configuration (no {@code xks.port}): no listener.
 *
 * @param host             {@code xks.host}
 * @param port             {@code xks.port}; 0 picks a free port (tests)
 * @param certificate      {@code xks.tls.certificate}: the server certificate chain (PEM)
 * @param privateKey       {@code xks.tls.privateKey}: its PKCS#8 key (PEM)
 * @param clientCa         {@code xks.tls.clientCa}: with it, mutual TLS: clients must present a
 *                         certificate that chains to this CA bundle and whose subject is one of
 *                         {@code allowedSubjects}; null for server TLS only
 * @param allowedSubjects  {@code xks.tls.allowedSubjects}: client certificate subjects accepted
 *                         (distinguished names, e.g. {@code CN=cks.kms.eu-west-1.amazonaws.com});
 *                         empty exactly when {@code clientCa} is null
 * @param vendor           {@code xks.vendor}: {@code xksProxyVendor} in health answers
 * @param model            {@code xks.model}: {@code xksProxyModel}; null: "Coffre XKS proxy" and the version
 * @param ekmVendor        {@code xks.ekmVendor}: {@code ekmVendor}; null: the HSM's manufacturer
 * @param requestTimeout   {@code xks.requestTimeout}: a call not answered by then is answered
 *                         {@code DependencyTimeoutException}; keep it well below the 250 ms after
 *                         which AWS gives up (the default is 150 ms)
 * @param maxInFlight      {@code xks.maxInFlight}: calls admitted at once (served or waiting for a
 *                         worker); one more is answered {@code ThrottlingException} at once rather
 *                         than queued past the deadline
 */
public record XksSettings(String host, int port, Path certificate, Path privateKey, Path clientCa,
                          List<X500Principal> allowedSubjects, String vendor, String model, String ekmVendor,
                          Duration requestTimeout, int maxInFlight) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_VENDOR = "Coffre";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMillis(150);
    /** AWS KMS gives up after 250 ms, TCP and TLS included: a deadline past it answers nobody (a warning at start). */
    public static final Duration AWS_TIMEOUT = Duration.ofMillis(250);
    /** Longer only makes sense for tests on a loaded machine. */
    public static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MIN_REQUEST_TIMEOUT = Duration.ofMillis(10);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;

    public XksSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        allowedSubjects = List.copyOf(allowedSubjects);
        Objects.requireNonNull(vendor, "vendor");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (port < 0 || port > 65535) {
            throw new ConfigException("xks.port: " + port + " is out of range; allowed 0 to 65535");
        }
        if ((clientCa == null) != allowedSubjects.isEmpty()) {
            throw new ConfigException(clientCa == null
                    ? "xks.tls.allowedSubjects: set only with xks.tls.clientCa (the CA their certificates chain to)"
                    : "xks.tls.allowedSubjects: required with xks.tls.clientCa; list the client certificate subjects "
                    + "to accept, e.g. CN=cks.kms.eu-west-1.amazonaws.com (any certificate of that CA would pass otherwise)");
        }
        if (requestTimeout.compareTo(MIN_REQUEST_TIMEOUT) < 0 || requestTimeout.compareTo(MAX_REQUEST_TIMEOUT) > 0) {
            throw new ConfigException("xks.requestTimeout: must be between " + MIN_REQUEST_TIMEOUT + " and "
                    + MAX_REQUEST_TIMEOUT + " (and below 250 ms, after which AWS KMS gives up), got " + requestTimeout);
        }
        if (maxInFlight < 1) {
            throw new ConfigException("xks.maxInFlight: must be at least 1");
        }
    }

    /** Whether clients must present a certificate (mutual TLS). */
    public boolean mutualTls() {
        return clientCa != null;
    }
}
