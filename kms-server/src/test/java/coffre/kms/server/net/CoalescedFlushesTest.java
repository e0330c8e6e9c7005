package coffre.kms.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/** Where the flush consolidation goes in a connection's pipeline, and what it does to flushes. */
class CoalescedFlushesTest {

    private static SslHandler tls() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        return new SslHandler(engine);
    }

    /** What reached the TLS handler's place. */
    private static final class FlushCounter {
        int writes;
        int flushes;
    }

    @Test
    void goesRightBehindTheTlsHandlerOnceAndNotWithoutTls() throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast("ssl", tls()).addLast("app", new ChannelOutboundHandlerAdapter());
        assertTrue(CoalescedFlushes.install(channel.pipeline()));
        assertTrue(CoalescedFlushes.install(channel.pipeline()));
        assertEquals(List.of("ssl", CoalescedFlushes.HANDLER, "app"), channel.pipeline().names().subList(0, 3));
        assertEquals(FlushConsolidationHandler.class, channel.pipeline().get(CoalescedFlushes.HANDLER).getClass());

        EmbeddedChannel plain = new EmbeddedChannel(new ChannelOutboundHandlerAdapter());
        assertFalse(CoalescedFlushes.install(plain.pipeline()));
        assertNull(plain.pipeline().get(CoalescedFlushes.HANDLER), "no TLS handler: left as it is");
        channel.finishAndReleaseAll();
        plain.finishAndReleaseAll();
    }

    @Test
    void answersWrittenInOneEventLoopTaskLeaveInOneFlush() throws Exception {
        FlushCounter counter = new FlushCounter();
        DefaultEventLoopGroup loop = new DefaultEventLoopGroup(1);
        try {
            LocalAddress address = new LocalAddress("coalesced-flushes-test");
            Channel server = new ServerBootstrap().group(loop).channel(LocalServerChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(address).sync().channel();
            Channel client = new Bootstrap().group(loop).channel(LocalChannel.class).handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) throws Exception {
                    // The TLS handler's place: what reaches it is what would be encrypted and written.
                    ch.pipeline().addLast("ssl", new SslHandlerStandIn(counter));
                    ch.pipeline().addLast("app", new ChannelOutboundHandlerAdapter());
                }
            }).connect(address).sync().channel();
            loop.submit(() -> CoalescedFlushes.install(client.pipeline())).sync();
            // As the audit writer's completions do: several answers written by tasks run back to back.
            loop.submit(() -> {
                for (int i = 0; i < 10; i++) {
                    client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) i}));
                }
            }).sync();
            loop.submit(() -> { }).sync(); // the scheduled flush runs after the tasks already queued
            assertEquals(10, counter.writes);
            assertEquals(1, counter.flushes, "ten answers, one flush");
            client.close().sync();
            server.close().sync();
        } finally {
            loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    /** Stands where the TLS handler is ({@link CoalescedFlushes} finds it by this type) and counts. */
    private static final class SslHandlerStandIn extends SslHandler {
        private final FlushCounter counter;

        SslHandlerStandIn(FlushCounter counter) throws Exception {
            super(SSLContext.getDefault().createSSLEngine());
            this.counter = counter;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // No handshake: only the flushes matter here.
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            counter.writes++;
            io.netty.util.ReferenceCountUtil.release(msg);
            promise.setSuccess();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            counter.flushes++;
        }
    }
}
