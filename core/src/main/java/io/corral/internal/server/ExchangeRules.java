package io.corral.internal.server;

import io.corral.Config;
import io.corral.Hooks;
import io.corral.http.BadMessageException;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.RequestHead;
import io.corral.spi.WorkerContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.slf4j.Logger;

/**
 * The HTTP/1.1 exchange rulebook that every worker model follows, so that a difference between
 * models is one of scheduling, never of protocol. The blocking engine ({@link BlockingConnection},
 * sync and virtual) and the async worker's exchange call these.
 *
 * <ol>
 *   <li><b>Keep-alive</b> ({@link #keepAlive}): a response keeps its connection open only if the
 *       request allows it (HTTP/1.1 unless {@code Connection: close}; HTTP/1.0 only with {@code
 *       Connection: keep-alive}), {@code keepalive} is not 0, it is not the worker's last request
 *       before {@code max_requests}, the worker is not draining, and the connection itself can
 *       carry another request (its body was read or can be drained, the worker model has room).
 *       Otherwise it carries {@code Connection: close}, so a client never sends a request on a
 *       connection the server is about to close.
 *   <li><b>Errors close</b>: an error the server answers itself (400, 408, 413, 431, 500, 503, 504)
 *       carries {@code Connection: close}, then the connection closes with a lingering close
 *       (output shut, the client's remaining bytes read and dropped for up to a second), so the
 *       kernel never resets the response away.
 *   <li><b>Accounting</b> ({@link Account}): a request is counted for {@code max_requests} before
 *       its response is encoded, so the last response can announce the close; once the exchange is
 *       over (sent, failed or lost), the access log line is written, then {@code postRequest}
 *       runs, exactly once, if {@code preRequest} ran.
 *   <li><b>Client errors</b> ({@link #clientError}): a request body that the client cut short, that
 *       stalled or that broke its framing is the client's fault: 400 (or 408, 413), logged at DEBUG,
 *       even when the handler caught the {@code IOException} and rethrew it wrapped.
 * </ol>
 *
 * <p>Stateless, except {@link Account}, which belongs to one exchange.
 */
public final class ExchangeRules {

    private ExchangeRules() {}

    /**
     * Decides whether the connection stays open after this response.
     *
     * @param lastRequest the worker reached {@code max_requests} with this request
     * @param draining the worker, or this connection, is being shut down
     * @param connectionCanContinue the connection can carry another request: its request body is
     *     read (or can be drained) and the worker model does not need its thread back
     */
    public static boolean keepAlive(
            RequestHead head, Config config, boolean lastRequest, boolean draining, boolean connectionCanContinue) {
        return head.keepAlive() && config.keepAliveEnabled() && !lastRequest && !draining && connectionCanContinue;
    }

    /**
     * Returns what to send for a handler's outcome: its response, or, if it threw or returned null,
     * a 500 after logging the failure on {@code log}.
     */
    public static Response answer(Logger log, RequestHead head, Response response, Throwable failure) {
        if (failure == null && response != null) {
            return response;
        }
        if (failure == null) {
            failure = new NullPointerException("the handler returned null instead of a Response");
        }
        log.error("Error handling request {}", head.requestLine(), failure);
        return Response.text(500, "Internal Server Error\n");
    }

    /** Runs a hook; an exception it throws is logged on {@code log} and otherwise ignored. */
    public static void callHook(Logger log, Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            log.warn("A hook failed", e);
        }
    }

    /**
     * Returns the status for a handler failure that the client caused by breaking its request body,
     * or 0 if the failure is the server's: {@code bodyStatus} is what the body reader saw (0 if
     * nothing went wrong with it), {@code failure} what the handler threw.
     */
    public static int clientError(int bodyStatus, Throwable failure) {
        if (failure instanceof BadMessageException bad) {
            return bad.status();
        }
        if (bodyStatus != 0 && failure != null) {
            return bodyStatus; // the handler got the body's IOException and rethrew it, maybe wrapped
        }
        return 0;
    }

    /** The status for a request body that ended before its declared length. */
    public static final int BODY_CUT_SHORT = 400;

    /** The exception a request body reader throws when the client closed in the middle of the body. */
    public static BadMessageException bodyCutShort() {
        return new BadMessageException(
                BODY_CUT_SHORT, "the client closed the connection before the request body was complete");
    }

    /**
     * The accounting of one exchange, in the rulebook's order: {@link #preRequest}, {@link #count}
     * before the response is encoded, {@link #finish} once it is over; the metrics ({@code
     * http.server.active_requests} from {@code preRequest} to {@code finish}, {@code
     * http.server.request.duration} at {@code finish}) and the access log line follow the same
     * steps. Thread-safe: a request aborted past {@code timeout} is finished by the abort while its
     * own thread may still run; each step happens once, whichever thread gets there first.
     */
    public static final class Account {
        private final WorkerContext context;
        private final Hooks hooks;
        private final Logger log;
        private final ConnectionOrigin connection;
        private final RequestOrigin origin;
        private final RequestHead head;
        private final long startNanos;
        private static final AtomicIntegerFieldUpdater<Account> COUNTED =
                AtomicIntegerFieldUpdater.newUpdater(Account.class, "counted");
        private static final AtomicIntegerFieldUpdater<Account> FINISHED =
                AtomicIntegerFieldUpdater.newUpdater(Account.class, "finished");
        private static final AtomicIntegerFieldUpdater<Account> ACTIVE =
                AtomicIntegerFieldUpdater.newUpdater(Account.class, "active");

        private volatile Request request;
        private volatile Response response; // the application's, for the access log's {name}o atoms
        private volatile int counted; // 0, then 1 once counted: field updaters, no allocation per request
        private volatile boolean last;
        private volatile int finished;
        private volatile int active; // 0, 1 while among the active requests, 2 once finished

        /**
         * Starts the account of an exchange whose head arrived at {@code startNanos}, on {@code
         * connection}, attributed to {@code origin}.
         */
        public Account(
                WorkerContext context,
                Logger log,
                ConnectionOrigin connection,
                RequestOrigin origin,
                RequestHead head,
                long startNanos) {
            this.context = context;
            this.hooks = context.hooks();
            this.log = log;
            this.connection = connection;
            this.origin = origin;
            this.head = head;
            this.startNanos = startNanos;
        }

        /** Runs {@code preRequest}; from then on {@link #finish} runs {@code postRequest}. */
        public void preRequest(Request request) {
            this.request = request;
            if (ACTIVE.compareAndSet(this, 0, 1)) {
                context.metrics().requestStarted(head.method(), origin.scheme());
            }
            callHook(log, () -> hooks.preRequest(request));
        }

        /**
         * Returns what to send for the handler's outcome, as {@link ExchangeRules#answer}, and keeps
         * it for the access log.
         */
        public Response answer(Response handled, Throwable failure) {
            Response r = ExchangeRules.answer(log, head, handled, failure);
            this.response = r;
            return r;
        }

        /**
         * Counts the request for the stats and {@code max_requests}, once.
         *
         * @return true if it was the worker's last one: its response must close the connection
         */
        public boolean count() {
            if (COUNTED.compareAndSet(this, 0, 1)) {
                last = context.requestFinished();
            }
            return last;
        }

        /** Returns true once {@link #count} said this was the worker's last request. */
        public boolean last() {
            return last;
        }

        /** Notes that this request ran past {@code timeout} and is being aborted; before {@link #finish}. */
        public void timedOut() {
            connection.timedOut();
        }

        /**
         * Ends the exchange, once: counts it if not yet, records its duration, writes the access log
         * line and runs {@code postRequest}.
         *
         * @param status the status sent, or 0 if the connection was lost before one was
         */
        public void finish(int status, long bodyBytes) {
            if (!FINISHED.compareAndSet(this, 0, 1)) {
                return;
            }
            count();
            long elapsedNanos = System.nanoTime() - startNanos;
            boolean wasActive = ACTIVE.getAndSet(this, 2) == 1;
            context.metrics().requestEnded(head.method(), origin.scheme(), status, elapsedNanos, wasActive);
            if (status == 0) {
                connection.lost();
            }
            Response sent = response;
            AccessLog.log(
                    context.config().accessLogFormat(),
                    () -> new AccessLogFormat.Entry(
                            origin.client(),
                            head,
                            status,
                            bodyBytes,
                            sent == null ? null : sent.headers(),
                            elapsedNanos,
                            AccessLog.now(),
                            origin.tls()));
            Request r = request;
            if (r != null) {
                Duration elapsed = Duration.ofNanos(elapsedNanos);
                callHook(log, () -> hooks.postRequest(r, status, elapsed));
            }
        }
    }
}
