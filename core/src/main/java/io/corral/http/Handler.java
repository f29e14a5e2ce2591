package io.corral.http;

/**
 * The application: a request in, a response out, written as ordinary blocking code.
 *
 * <p>The same handler runs unchanged under every worker model: on a platform thread ({@code
 * sync}), on a virtual thread per request ({@code virtual}), or on the async worker's bounded
 * offload pool ({@code async}). It may block: on the virtual worker a blocking call parks a cheap
 * virtual thread, on the sync worker it holds one of {@code threads} platform threads.
 *
 * <p>A handler is called by many threads at once and must be thread-safe. An exception it throws
 * becomes a {@code 500} (or closes the connection if the response had already started); the worker
 * keeps serving. A handler that runs past {@code timeout} is interrupted and the client gets {@code
 * 504}.
 */
@FunctionalInterface
public interface Handler {

    /**
     * Handles one request.
     *
     * @param request the request; its body may be read lazily, at most once
     * @return the response, never {@code null}
     * @throws Exception any failure; the client then gets {@code 500}, or for a {@link
     *     BadMessageException} its status
     */
    Response handle(Request request) throws Exception;
}
