package coffre.kms.client;

import io.grpc.ManagedChannel;

/**
 * Opens the channel a {@link CoffreClient} (or a CLI command) talks to the server over.
 *
 * <p>{@link TlsChannelFactory} is the production one; tests and in-process callers pass their own
 * (for instance an in-process channel) to run whole clients or commands without a network. The
 * caller owns the returned channel and shuts it down when done.
 */
@FunctionalInterface
public interface ChannelFactory {

    /**
     * Opens a channel for {@code settings}. Opening may be lazy: connection and handshake failures
     * then surface as {@code UNAVAILABLE} on the first call.
     *
     * @throws TlsMaterialException if the TLS material cannot be loaded (unreadable or malformed PEM)
     */
    ManagedChannel open(ConnectionSettings settings) throws TlsMaterialException;
}
