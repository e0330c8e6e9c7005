package coffre.kms.server.testing;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

/**
 * A grpc-java name resolver for a fixed list of node addresses, as docs/client-settings.md tells
 * services to configure: target {@code coffre-static:///127.0.0.1:1111,127.0.0.1:2222}, used with
 * {@code round_robin} and a retry policy for UNAVAILABLE.
 */
public final class StaticAddresses extends NameResolverProvider {
    public static final String SCHEME = "coffre-static";

    public static String target(List<Integer> ports) {
        return SCHEME + ":///" + String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!SCHEME.equals(target.getScheme())) {
            return null;
        }
        List<EquivalentAddressGroup> groups = java.util.Arrays.stream(target.getPath().substring(1).split(","))
                .map(hostPort -> {
                    int colon = hostPort.lastIndexOf(':');
                    SocketAddress address = new InetSocketAddress(hostPort.substring(0, colon),
                            Integer.parseInt(hostPort.substring(colon + 1)));
                    return new EquivalentAddressGroup(address);
                })
                .toList();
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return "localhost";
            }

            @Override
            public void start(Listener2 listener) {
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
