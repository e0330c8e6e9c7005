package coffre.kms.server.net;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Optional;

/**
 * The one place where Coffre reaches below Vert.x's public API: the Netty pipeline of an HTTP
 * connection, which {@link CoalescedFlushes} needs to put a handler behind TLS. Vert.x 5 took Netty
 * out of its public API: no public method gives a connection's channel or pipeline, so this uses
 * its connection class {@code io.vertx.core.net.impl.ConnectionBase}. A Vert.x release may change
 * that class: the build then fails here, or a connection of another kind yields nothing and keeps
 * Vert.x's own flushing (slower, not wrong).
 */
final class ConnectionPipelines {
    private ConnectionPipelines() {
    }

    /** The connection's Netty pipeline, if it is a Vert.x connection of the known kind. */
    static Optional<ChannelPipeline> of(HttpConnection connection) {
        return connection instanceof ConnectionBase base ? Optional.of(base.channel().pipeline()) : Optional.empty();
    }
}
