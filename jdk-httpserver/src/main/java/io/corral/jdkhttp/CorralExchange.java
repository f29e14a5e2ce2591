package io.corral.jdkhttp;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.corral.http.Request;
import io.corral.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JDK exchange over one Corral request: the request as the {@code HttpExchange} API shows it
 * (read-only case-insensitive headers, the URI, a body stream that is the same object every time),
 * the response as the handler builds it ({@link ResponseStream}), attributes of its own (the
 * context's are separate, as in JDK 26), and the stage the Corral side waits on.
 *
 * <p>Semantics where the JDK documents them: {@code sendResponseHeaders(code, n)} with {@code n > 0}
 * declares exactly {@code n} bytes, 0 a chunked body, -1 none; a response to HEAD, 204 or 304
 * never has a body, whatever length is passed; a second final {@code sendResponseHeaders} throws;
 * 1xx codes may come first, any number of times (they are not transmitted: the worker model sends
 * {@code 100 Continue} itself when the body is first read); {@code Connection: close} in the
 * response headers closes the connection after the exchange; closing the response body stream
 * closes the request body stream first and ends the exchange.
 *
 * <p>Threading: used by the thread that runs the handler, and by any thread it hands the exchange
 * to, one at a time, as with the JDK. The serving side cancels it (a request past {@code timeout})
 * from its own thread: the handler's thread is then interrupted. What the two share is volatile,
 * atomic or guarded by {@code lock}.
 */
final class CorralExchange extends HttpExchange {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.jdkhttp");

    private final Request request;
    private volatile URI uri; // parsed by run(), before the handler sees the exchange
    private final CorralHttpContext context;
    private final InetSocketAddress localAddress;
    private final long sendWaitNanos;
    private final CompletableFuture<Response> result = new CompletableFuture<>();
    private final RequestStream requestStream;
    private final ResponseStream responseStream;
    private final Headers responseHeaders = new Headers();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final AtomicBoolean finalSent = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();

    private volatile Headers requestHeaders; // made on first use
    private volatile InputStream in;
    private volatile OutputStream out;
    private volatile int responseCode = -1;
    private volatile HttpPrincipal principal;

    // guarded by lock
    private Thread runner; // the thread running the filter chain and handler, while it does
    private boolean cancelled;
    private boolean interrupted; // this exchange interrupted its runner, which must not keep the flag

    CorralExchange(Request request, CorralHttpContext context, InetSocketAddress localAddress, long sendWaitNanos) {
        this.request = request;
        this.context = context;
        this.localAddress = localAddress;
        this.sendWaitNanos = sendWaitNanos;
        this.requestStream = new RequestStream(request.body());
        this.responseStream = new ResponseStream(this, result);
        this.in = requestStream;
        this.out = responseStream;
        result.whenComplete((r, t) -> {
            if (t instanceof CancellationException) {
                cancelled();
            }
        });
    }

    /** The stage the Corral side waits on: it completes once the response (head and body, or a stream) is known. */
    CompletableFuture<Response> result() {
        return result;
    }

    /**
     * Runs the context's filters and handler on the calling thread, showing them {@code shown}:
     * this exchange, or the {@link CorralHttpsExchange} around it on an HTTPS server.
     */
    void run(HttpExchange shown) {
        lock.lock();
        try {
            if (cancelled) {
                return;
            }
            runner = Thread.currentThread();
        } finally {
            lock.unlock();
        }
        try {
            try {
                uri = new URI(request.target());
            } catch (URISyntaxException e) {
                result.complete(Response.text(400, "Bad Request: the target is not a URI\n"));
                return;
            }
            Filter.Chain chain = context.chain(this);
            if (chain == null) {
                throw new IOException("no handler for context " + context.getPath());
            }
            chain.doFilter(shown);
            responseStream.handlerReturned();
        } catch (Throwable t) {
            failed(t);
        } finally {
            lock.lock();
            try {
                runner = null;
                if (interrupted) {
                    Thread.interrupted(); // the interrupt was for this exchange, not the thread's next task
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The handler (or a filter) threw. */
    private void failed(Throwable t) {
        if (!result.isDone()) {
            result.completeExceptionally(t); // the worker model answers 500 (or the client's error) and logs it
        } else if (!responseStream.ended()) {
            LOG.debug("The handler of {} failed after its response started: {}", request, t.toString());
            responseStream.abort(t);
        } else {
            LOG.warn("The handler of {} failed after its exchange ended", request, t);
        }
    }

    /** Ends the exchange as failed: a 500 if its response has not started, else the connection closes. */
    void abort(Throwable cause) {
        if (!result.completeExceptionally(cause)) {
            responseStream.abort(cause);
        }
    }

    /** The response is complete. */
    void ended() {
        closeRequestBody();
    }

    /** The response could not be sent (the client went away, or the request was aborted). */
    void clientGone(Throwable cause) {
        LOG.debug("The response to {} could not be sent: {}", request, cause.toString());
    }

    /** The request ran past {@code timeout}: the serving side gave up; stop the handler. */
    private void cancelled() {
        responseStream.abort(new CancellationException("the request ran past timeout"));
        lock.lock();
        try {
            cancelled = true;
            if (runner != null) {
                interrupted = true;
                runner.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    /** How long a handler waits for a client that does not read its response. */
    long sendWaitNanos() {
        return sendWaitNanos;
    }

    void closeRequestBody() {
        requestStream.close();
    }

    void principal(HttpPrincipal principal) {
        this.principal = principal;
    }

    // ---- HttpExchange -------------------------------------------------------------------------

    @Override
    public Headers getRequestHeaders() {
        Headers h = requestHeaders;
        if (h == null) {
            Headers all = new Headers();
            io.corral.http.Headers raw = request.headers();
            for (int i = 0; i < raw.size(); i++) {
                all.add(raw.name(i), raw.value(i));
            }
            h = requestHeaders = Headers.of(all);
        }
        return h;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return request.method();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            LOG.debug("Closing the request body of {} failed: {}", request, e.toString());
        }
        try {
            out.close();
        } catch (IOException e) {
            LOG.debug("Closing the response body of {} failed: {}", request, e.toString());
            abort(e);
        }
    }

    @Override
    public InputStream getRequestBody() {
        return in;
    }

    @Override
    public OutputStream getResponseBody() {
        return out;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (rCode >= 100 && rCode < 200) {
            if (finalSent.get()) {
                throw new IOException("headers already sent");
            }
            if (rCode == 101) {
                throw new IOException("101 Switching Protocols is not supported by Corral's HttpServer");
            }
            // an interim response: the final one may follow; 100 Continue goes out when the body is read
            LOG.debug("Interim response {} to {} is not transmitted", rCode, request);
            responseCode = rCode;
            return;
        }
        if (rCode < 200 || rCode > 599) {
            throw new IOException("response code " + rCode + " is not allowed: expected 100 to 599");
        }
        if (!finalSent.compareAndSet(false, true)) {
            throw new IOException("headers already sent");
        }
        responseCode = rCode;
        boolean ended = responseStream.start(
                rCode,
                corralHeaders(responseHeaders),
                responseLength,
                request.method().equals("HEAD"));
        if (ended) {
            ended();
        }
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return request.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return localAddress;
    }

    @Override
    public String getProtocol() {
        return request.version();
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(Objects.requireNonNull(name, "name"));
    }

    @Override
    public void setAttribute(String name, Object value) {
        Objects.requireNonNull(name, "name");
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            in = i;
        }
        if (o != null) {
            out = o;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return principal;
    }

    @Override
    public String toString() {
        return "CorralExchange[" + request + "]";
    }

    private static io.corral.http.Headers corralHeaders(Headers headers) {
        io.corral.http.Headers.Builder b = io.corral.http.Headers.builder();
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            for (String v : e.getValue()) {
                if (v != null) {
                    b.add(e.getKey(), v);
                }
            }
        }
        return b.build();
    }
}
