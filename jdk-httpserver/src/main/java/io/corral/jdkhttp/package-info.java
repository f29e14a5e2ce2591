/**
 * Runs unmodified {@code com.sun.net.httpserver} applications on Corral: the one public class is
 * {@link io.corral.jdkhttp.CorralHttpServerProvider}, which the JDK finds through {@code
 * ServiceLoader} (or {@code -Dcom.sun.net.httpserver.HttpServerProvider}); everything else is
 * package-private.
 *
 * <pre>
 *  HttpServer.create(addr, backlog)  ─►  CorralHttpServer ──start()──► Arbiter (workers: sync | async | virtual)
 *  HttpsServer.create(...) ─► CorralHttpsServer ─┘ │                                │ HTTPS: Arbiter.Builder.tls(
 *                                            │ contexts, filters, executor          │  SSLContext, ConfiguratorBridge)
 *                                            ▼                                      ▼ per request
 *                                      ExchangeDispatcher (an AsyncHandler) ◄── Request
 *                                            │ finds the context, makes a CorralExchange,
 *                                            │ runs the filter chain and HttpHandler on the executor
 *                                            ▼
 *                     sendResponseHeaders / getResponseBody().write / close
 *                                            │ ResponseStream: buffers a small body, hands a large
 *                                            ▼ or flushed one over a bounded ResponsePipe
 *                                     the stage completes with a Corral Response
 * </pre>
 *
 * <p>The bridge: a JDK handler writes its response while it runs, a Corral handler returns one.
 * The JDK handler therefore runs on a thread of its own (the application's executor, the default
 * one-thread dispatcher, or a virtual thread per exchange when {@code corral.executor=worker}),
 * and the Corral side is an {@link io.corral.http.AsyncHandler} whose stage completes as soon as
 * the response is known: with the whole body if the exchange ended while the body still fitted in
 * a small buffer, else with a streaming body that the worker model writes from a bounded pipe while
 * the handler goes on writing into it. Memory per exchange is bounded either way.
 *
 * <p>HTTPS, as the JDK structures it ({@code HttpsServerImpl} and {@code HttpsExchangeImpl} wrap the
 * plain ones): a {@link io.corral.jdkhttp.CorralHttpsServer} wraps a {@code CorralHttpServer} and
 * gives the Arbiter its {@code HttpsConfigurator}'s {@code SSLContext}, with a {@link
 * io.corral.jdkhttp.ConfiguratorBridge} that calls the configurator's {@code configure} for each
 * connection; each exchange is shown to the handlers as a {@link
 * io.corral.jdkhttp.CorralHttpsExchange} around the {@code CorralExchange}, whose {@code
 * getSSLSession()} is the session the worker recorded on the request ({@code Request.tlsSession()}).
 */
package io.corral.jdkhttp;
