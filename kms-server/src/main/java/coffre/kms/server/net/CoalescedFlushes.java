package coffre.kms.server.net;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpConnection;

/**
 * One flush per event-loop turn for the answers written on a connection, instead of one per answer.
 *
 * <p>Why: Coffre answers a call after its worker and its durable audit write, from a task on the
 * connection's event loop, outside any read; Vert.x flushes such a write at once, so every answer
 * became its own TLS record and its own socket write, and the caller had to read them one by one.
 * Netty's {@link FlushConsolidationHandler}, placed in front of the TLS handler, turns the flushes
 * requested outside a read into one flush after the event loop's pending tasks, so the answers
 * released by one audit commit leave together. Flushes during a read are left as Vert.x does them
 * (once per read).
 *
 * <p>Reaches the Netty pipeline through {@link ConnectionPipelines}, the one use of a Vert.x internal
 * class; a connection whose pipeline it cannot reach is left as it is (its answers then flush one
 * by one).
 */
public final class CoalescedFlushes {
    static final String HANDLER = "coffre-coalesced-flushes";
    private static final System.Logger LOG = System.getLogger(CoalescedFlushes.class.getName());
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    private CoalescedFlushes() {
    }

    /** For {@code HttpServer.connectionHandler}: runs on the connection's event loop as it opens. */
    public static void install(HttpConnection connection) {
        if (!ConnectionPipelines.of(connection).map(CoalescedFlushes::install).orElse(false)) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "answers are flushed one by one on {0} connections "
                        + "(no TLS handler found in their pipeline): expect lower throughput", connection.getClass());
            }
        }
    }

    /** True if the pipeline has the consolidation behind its TLS handler (now or already). */
    static boolean install(ChannelPipeline pipeline) {
        SslHandler tls = pipeline.get(SslHandler.class);
        if (tls == null) {
            return false;
        }
        if (pipeline.get(HANDLER) == null) {
            pipeline.addAfter(pipeline.context(tls).name(), HANDLER, new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
        return true;
    }
}
