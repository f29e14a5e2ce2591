package io.corral.benchmarks.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * A minimal, idiomatic Netty HTTP/1.1 server: NIO event loops, {@code HttpServerCodec} and {@code
 * HttpObjectAggregator}, and one non-blocking route function whose stage is written back when it
 * completes; the base of the Netty peers ({@link NettyGateway}, {@link NettyDemoServer}).
 *
 * <p>Threading: a boss loop accepts, {@code workers} loops serve; the route runs on the channel's
 * loop and must not block. Keep-alive follows the request ({@link HttpUtil#isKeepAlive}).
 */
final class NettyHttpServer {

    /** A finished answer: status, content type and body. */
    record Reply(int status, String contentType, byte[] body) {}

    /** The application: a request and the channel's event loop in, a stage of the reply out. */
    @FunctionalInterface
    interface Route {
        CompletionStage<Reply> handle(FullHttpRequest request, EventExecutor loop);
    }

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private NettyHttpServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /** Starts the server on {@code host}:{@code port} (0 picks one) with {@code workerThreads} loops. */
    static NettyHttpServer start(String host, int port, int workerThreads, int backlog, Route route)
            throws InterruptedException {
        return start(host, port, workerThreads, backlog, null, route);
    }

    /**
     * Starts the server as {@link #start(String, int, int, int, Route)} does, speaking TLS through
     * Netty's {@code SslHandler} when {@code tls} is not null.
     */
    static NettyHttpServer start(String host, int port, int workerThreads, int backlog, SslContext tls, Route route)
            throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(workerThreads, NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new RouteHandler(route));
                    }
                });
        Channel channel = bootstrap.bind(host, port).sync().channel();
        return new NettyHttpServer(boss, workers, channel);
    }

    /** Returns the bound port. */
    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Waits until the server channel closes. */
    void awaitClose() throws InterruptedException {
        channel.closeFuture().sync();
    }

    /** Closes the server and its loops. */
    void close() {
        channel.close();
        boss.shutdownGracefully();
        workers.shutdownGracefully();
    }

    /** Runs the route for each aggregated request; one instance per channel, on its loop. */
    private static final class RouteHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Route route;

        RouteHandler(Route route) {
            this.route = route;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpVersion version = request.protocolVersion();
            CompletionStage<Reply> stage;
            try {
                stage = route.handle(request, ctx.executor());
            } catch (RuntimeException e) {
                stage = java.util.concurrent.CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((reply, failure) -> {
                Reply r = failure == null ? reply : new Reply(502, "text/plain", "upstream failed\n".getBytes());
                FullHttpResponse response = new DefaultFullHttpResponse(
                        version, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
                response.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
                if (keepAlive) {
                    if (!version.isKeepAliveDefault()) {
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                    }
                    ctx.writeAndFlush(response);
                } else {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
