package coffre.kms.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to open an mTLS channel to a Coffre server or cluster: what a
 * {@link ChannelFactory} is given. Every field is set and the timeout is positive; whether the PEM
 * files can be read is found when the channel is opened ({@link TlsMaterialException}), or earlier
 * by a caller that checks them (the CLI names the flag, variable or file key that gave a missing
 * file). Holds paths only, never file contents.
 *
 * @param endpoints where the nodes listen (one or more; calls fail over between them)
 * @param caCert PEM bundle of the CA(s) that signed the server certificate
 * @param cert PEM client certificate chain presented to the server
 * @param key PKCS#8 PEM private key of {@code cert}
 * @param timeout deadline of each RPC, retries included
 * @param authority optional TLS authority (SNI and host-name check) for every node instead of
 *     each endpoint's own host
 */
public record ConnectionSettings(
        Endpoints endpoints, Path caCert, Path cert, Path key, Duration timeout, Optional<String> authority) {

    public ConnectionSettings {
        Objects.requireNonNull(endpoints, "endpoints");
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
