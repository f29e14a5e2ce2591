package io.corral.internal.server;

import io.corral.http.Response;
import io.corral.internal.http.RequestHead;
import org.slf4j.Logger;

/**
 * What every worker model does the same way around a handler: the answer to a handler that failed,
 * and calling a hook without letting it break the exchange. The blocking engine and the async
 * worker's exchanges both call these, so that the rules cannot drift apart. Stateless.
 */
public final class Exchanges {

    private Exchanges() {}

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
}
