package coffre.kms.cli.connection;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to open an mTLS channel to a Coffre server, already validated: the three PEM
 * files exist and are readable, the timeout is positive. Holds paths only, never file contents.
 *
 * @param endpoint where the server listens
 * @param caCert PEM bundle of the CA(s) that signed the server certificate
 * @param cert PEM client certificate chain presented to the server
 * @param key PKCS#8 PEM private key of {@code cert}
 * @param timeout deadline of each RPC
 * @param authority optional TLS authority (SNI and host-name check) instead of the endpoint host
 */
public record ConnectionSettings(
        Endpoint endpoint, Path caCert, Path cert, Path key, Duration timeout, Optional<String> authority) {

    public ConnectionSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(authority, "authority");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }
}
