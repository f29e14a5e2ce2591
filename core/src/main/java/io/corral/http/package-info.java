/**
 * The application's side of HTTP: a handler takes a {@link io.corral.http.Request} and returns a
 * {@link io.corral.http.Response}, and never sees a socket. The server parses, frames, keeps
 * connections alive and enforces the limits; the same handler runs unchanged under every worker
 * model.
 *
 * <pre>
 *   client ── bytes ── worker (one HTTP/1.1 codec for every model)
 *                          │ Request: method, target, path, query, Headers, body stream
 *                          ▼
 *                      Handler.handle(request)        or  AsyncHandler.handle(request)
 *                          │ Response                       │ CompletionStage&lt;Response&gt;
 *                          ▼                                ▼
 *                      status, Headers, body: bytes, text, or a BodyWriter that streams
 * </pre>
 *
 * <h2>Handlers</h2>
 *
 * A {@link io.corral.http.Handler} is ordinary blocking code: it may read the body, call a
 * database and return. Under {@code sync} it runs on one of the worker's platform threads, under
 * {@code virtual} on the connection's virtual thread, under {@code async} on the worker's bounded
 * offload pool. An {@link io.corral.http.AsyncHandler} returns at once with a {@link
 * java.util.concurrent.CompletionStage}; under {@code async} it runs on the event loop and must
 * never block there, while the blocking models wait for its stage on the serving thread. Both are
 * called by many threads at once and must be thread-safe. A handler that throws gets the client a
 * {@code 500} (or a closed connection if the response had started); one that runs past {@code
 * timeout} is interrupted (a stage is cancelled) and the client gets {@code 504}.
 *
 * <pre>{@code
 * Handler app = request -> switch (request.path()) {
 *     case "/hello" -> Response.ok("Hello, " + request.queryParam("name").orElse("World"));
 *     case "/echo" -> Response.of(200)
 *             .contentType(request.header("Content-Type").orElse("application/octet-stream"))
 *             .body(request.bodyBytes());                       // bounded by limit_request_body
 *     case "/count" -> Response.of(200).body(out -> {         // streamed: chunked on HTTP/1.1
 *         for (int i = 1; i <= 3; i++) {
 *             out.write((i + "\n").getBytes(StandardCharsets.UTF_8));
 *             out.flush();                                      // this line goes out now
 *         }
 *     });
 *     default -> Response.text(404, "no such page\n");
 * };
 * }</pre>
 *
 * <h2>Requests, responses, headers</h2>
 *
 * <ul>
 *   <li>{@link io.corral.http.Request} holds the request line (method, target, decoded path and
 *       query parameters, version), the headers, the client's address and the body. It belongs to
 *       the one exchange that handles it; {@link io.corral.http.Request#builder()} builds one for
 *       tests. On a TLS connection, {@link io.corral.http.TlsInfo} ({@code request.tls()}) says what
 *       the handshake settled: the protocol, the cipher suite, SNI and the client's certificate.
 *   <li>{@link io.corral.http.Response} is immutable and made by static factories ({@code
 *       Response.ok("text")}, {@code Response.of(404)}, {@code Response.text(503, "...")}); each
 *       {@code header}, {@code contentType} or {@code body} call returns a copy. The server adds
 *       {@code Date}, {@code Server}, {@code Connection} and the framing.
 *   <li>{@link io.corral.http.Headers} is an immutable, ordered list of fields with
 *       case-insensitive, multi-value lookup. Every name must be a token and no value may hold CR,
 *       LF or NUL, so a response built from them cannot be split.
 * </ul>
 *
 * <h2>Streaming bodies</h2>
 *
 * A request body streams: the handler runs as soon as the head has arrived, and the body is read
 * from the connection as the handler consumes it, on every model (on {@code async} the event loop
 * fills a buffer of at most 64 KiB and stops reading the socket while it is full). It is consumed
 * once, either as a blocking {@link java.io.InputStream} ({@link io.corral.http.Request#body()},
 * or whole with {@link io.corral.http.Request#bodyBytes()}), or without blocking, for an {@link
 * io.corral.http.AsyncHandler}: whole with {@link io.corral.http.Request#bodyBytesAsync()} or as a
 * {@link java.util.concurrent.Flow.Publisher} with back-pressure ({@link
 * io.corral.http.Request#bodyPublisher()}). Whole, it is bounded by {@code limit_request_body}. A
 * client that sent {@code Expect: 100-continue} gets {@code 100 Continue} when the body is first
 * asked for. Each wait for body bytes is bounded by {@code header_timeout}. What the handler
 * leaves unread is skipped before the next request on the connection, or, if that would mean
 * reading much more (or asking a client that waits for {@code 100 Continue} for its body), the
 * connection closes after the response.
 *
 * <p>A response body given as bytes or text goes out with a {@code Content-Length}. A {@link
 * io.corral.http.BodyWriter} streams one of unknown length: chunked on HTTP/1.1, or delimited by
 * closing the connection on HTTP/1.0, or with the {@code Content-Length} the response declares,
 * which the body must then match. The writer's stream blocks while the client is slow to read, so
 * a producer never buffers more than the socket and a small fixed buffer hold. For {@code HEAD}
 * and for {@code 204} and {@code 304} no body is written and a {@code BodyWriter} is not run.
 *
 * <h2>Errors</h2>
 *
 * {@link io.corral.http.BadMessageException} is the codec's one error type and carries the status
 * to answer with: a request that breaks HTTP/1.1's rules or Corral's limits is answered with it
 * ({@code 400}, {@code 413}, {@code 414}, {@code 431}, {@code 501}, {@code 505}, ...) and its
 * connection closes, while the worker keeps serving everyone else. A handler meets it only while
 * reading a body that turns out malformed ({@code 400}) or too large ({@code 413}); it is an
 * {@link java.io.IOException}, and a handler that lets it propagate has the client answered with
 * its status rather than {@code 500}.
 *
 * <h2>Threads</h2>
 *
 * {@link io.corral.http.Response}, {@link io.corral.http.Headers} and everything in a {@link
 * io.corral.http.Request} but its body are immutable and safe to share. A request's body has one
 * consumer at a time, while the handler runs (or its stage is pending) and in the response's {@code
 * BodyWriter}; a {@code BodyWriter}'s output stream is confined to the thread that runs the writer.
 */
package io.corral.http;
