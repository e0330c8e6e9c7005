package coffre.kms.loadtest;

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
 * gRPC name resolution for the run's fixed list of nodes: the target
 * {@code coffre-loadtest:///host:port,host:port} resolves to every address of every host, each
 * with its own endpoint as TLS authority (unless the channel overrides the authority), for
 * {@code round_robin}. Names are looked up again when the channel asks, on gRPC's offload
 * executor. Registered in {@code META-INF/services/io.grpc.NameResolverProvider}.
 *
 * <p>The CLI has the same resolver (kms-cli, {@code coffre.kms.cli.connection}); the two modules
 * share no client library yet.
 */
public final class EndpointsNameResolverProvider extends NameResolverProvider {
    public static final String SCHEME = "coffre-loadtest";

    /** The channel target for {@code endpoints}. */
    public static String target(List<Endpoint> endpoints) {
        String list = String.join(",", endpoints.stream().map(Endpoint::toString).toList());
        try {
            // Percent-encodes what a URI path cannot hold (IPv6 brackets).
            return new URI(SCHEME, "", "/" + list, null).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot make a target URI of " + list, e);
        }
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!SCHEME.equals(target.getScheme())) {
            return null;
        }
        String path = target.getPath();
        List<Endpoint> endpoints = Endpoint.parseAll(List.of(path.startsWith("/") ? path.substring(1) : path));
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

    /** Below DNS's 5: targets without a scheme keep resolving through DNS. */
    @Override
    protected int priority() {
        return 4;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    /** Resolves one channel's endpoints; gRPC calls it in its synchronization context. */
    private static final class Resolver extends NameResolver {
        private final List<Endpoint> endpoints;
        private final boolean authorityPerAddress;
        private final Executor offload;
        private final SynchronizationContext syncContext;
        private Listener2 listener;
        private boolean resolving;
        private boolean shutdown;

        Resolver(List<Endpoint> endpoints, boolean authorityPerAddress, Executor offload, SynchronizationContext syncContext) {
            this.endpoints = endpoints;
            this.authorityPerAddress = authorityPerAddress;
            this.offload = offload;
            this.syncContext = syncContext;
        }

        @Override
        public String getServiceAuthority() {
            return endpoints.get(0).toString();
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
                List<EquivalentAddressGroup> groups = new ArrayList<>();
                List<String> unknown = new ArrayList<>();
                for (Endpoint endpoint : endpoints) {
                    try {
                        Attributes attributes = authorityPerAddress ? Attributes.newBuilder()
                                .set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, endpoint.toString()).build()
                                : Attributes.EMPTY;
                        for (InetAddress address : InetAddress.getAllByName(endpoint.host())) {
                            groups.add(new EquivalentAddressGroup(new InetSocketAddress(address, endpoint.port()), attributes));
                        }
                    } catch (UnknownHostException e) {
                        unknown.add(endpoint.toString());
                    }
                }
                syncContext.execute(() -> {
                    resolving = false;
                    if (shutdown) {
                        return;
                    }
                    if (groups.isEmpty()) {
                        listener.onError(Status.UNAVAILABLE.withDescription("cannot resolve " + String.join(", ", unknown)));
                    } else {
                        listener.onResult2(ResolutionResult.newBuilder().setAddresses(List.copyOf(groups)).build());
                    }
                });
            });
        }
    }
}
