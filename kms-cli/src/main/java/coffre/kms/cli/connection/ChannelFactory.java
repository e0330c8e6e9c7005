package coffre.kms.cli.connection;

import io.grpc.ManagedChannel;

/**
 * Opens the channel a command talks to the server over.
 *
 * <p>The CLI uses {@link TlsChannelFactory}; tests and in-process callers pass their own (for
 * instance an in-process channel) to run whole commands without a network. The caller owns the
 * returned channel and shuts it down when the command ends.
 */
@FunctionalInterface
public interface ChannelFactory {

    /**
     * Opens a channel for {@code settings}. Opening may be lazy: connection and handshake failures
     * then surface as {@code UNAVAILABLE} on the first call.
     *
     * @throws ConfigurationException if the TLS material cannot be loaded (unreadable or malformed PEM)
     */
    ManagedChannel open(ConnectionSettings settings) throws ConfigurationException;
}
