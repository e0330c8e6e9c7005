package coffre.kms.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * gRPC name resolution for a fixed list of Coffre nodes: the target
 * {@code coffre-endpoints:///host:port,host:port} (see {@link #target}) resolves to every address
 * of every listed host, for the {@code round_robin} policy of {@link ClientServiceConfig}.
 *
 * <p>Each address carries its own endpoint as TLS authority, so every node's certificate is
 * checked against the host name it was listed under ({@code kms-a.example:8443} against
 * {@code kms-a.example}), even when the nodes' names differ. An explicit authority (the
 * channel's override authority; the CLI's {@code --authority}) replaces that for every node.
 *
 * <p>Host names are looked up again whenever the channel asks (a node went away), on gRPC's
 * offload executor rather than on a transport thread. Hosts that cannot be resolved are left out
 * while others resolve; when none does, calls fail with {@code UNAVAILABLE} naming them.
 *
 * <p>Registered through {@code META-INF/services/io.grpc.NameResolverProvider}: the provider
 * holds no state, everything comes from the target.
 */
public final class EndpointsNameResolverProvider extends NameResolverProvider {

    /** The target URI scheme. */
    public static final String SCHEME = "coffre-endpoints";

    /** The channel target for {@code endpoints}, e.g. {@code coffre-endpoints:///10.0.0.1:8443,10.0.0.2:8443}. */
    public static String target(Endpoints endpoints) {
        try {
            // This constructor percent-encodes what a URI path cannot hold (IPv6 brackets).
            return new URI(SCHEME, "", "/" + endpoints, null).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot make a target URI of " + endpoints, e);
        }
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!SCHEME.equals(target.getScheme())) {
            return null;
        }
        String path = target.getPath();
        Endpoints endpoints = Endpoints.parse(path.startsWith("/") ? path.substring(1) : path);
        Executor offload = args.getOffloadExecutor() != null ? args.getOffloadExecutor() : Runnable::run;
        return new Resolver(endpoints, args.getOverrideAuthority() == null, offload, args.getSynchronizationContext());
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    /** Below DNS's 5, so that targets without a scheme keep resolving through DNS. */
    @Override
    protected int priority() {
        return 4;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    /** Resolves the endpoints of one channel. Called by gRPC in its synchronization context. */
    private static final class Resolver extends NameResolver {
        private final Endpoints endpoints;
        private final boolean authorityPerAddress;
        private final Executor offload;
        private final SynchronizationContext syncContext;
        private Listener2 listener;
        private boolean resolving;
        private boolean shutdown;

        Resolver(Endpoints endpoints, boolean authorityPerAddress, Executor offload, SynchronizationContext syncContext) {
            this.endpoints = endpoints;
            this.authorityPerAddress = authorityPerAddress;
            this.offload = offload;
            this.syncContext = syncContext;
        }

        @Override
        public String getServiceAuthority() {
            return endpoints.first().toString();
        }

        @Override
        public void start(Listener2 listener) {
            this.listener = listener;
            resolve();
        }

        @Override
        public void refresh() {
            resolve();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        private void resolve() {
            if (resolving || shutdown) {
                return;
            }
            resolving = true;
            offload.execute(() -> {
                Lookup lookup = lookUp();
                syncContext.execute(() -> deliver(lookup));
            });
        }

        private void deliver(Lookup lookup) {
            resolving = false;
            if (shutdown) {
                return;
            }
            if (lookup.groups().isEmpty()) {
                listener.onError(Status.UNAVAILABLE
                        .withDescription("cannot resolve " + String.join("; ", lookup.failures()))
                        .withCause(lookup.firstFailure()));
            } else {
                listener.onResult2(ResolutionResult.newBuilder().setAddresses(lookup.groups()).build());
            }
        }

        private Lookup lookUp() {
            List<EquivalentAddressGroup> groups = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            UnknownHostException firstFailure = null;
            for (Endpoint endpoint : endpoints.all()) {
                InetAddress[] addresses;
                try {
                    addresses = InetAddress.getAllByName(endpoint.host());
                } catch (UnknownHostException e) {
                    failures.add(endpoint + " (unknown host)");
                    firstFailure = firstFailure == null ? e : firstFailure;
                    continue;
                }
                Attributes attributes = authorityPerAddress
                        ? Attributes.newBuilder().set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, endpoint.toString()).build()
                        : Attributes.EMPTY;
                for (InetAddress address : addresses) {
                    groups.add(new EquivalentAddressGroup(new InetSocketAddress(address, endpoint.port()), attributes));
                }
            }
            return new Lookup(List.copyOf(groups), List.copyOf(failures), firstFailure);
        }
    }

    private record Lookup(List<EquivalentAddressGroup> groups, List<String> failures, UnknownHostException firstFailure) {
    }
}
