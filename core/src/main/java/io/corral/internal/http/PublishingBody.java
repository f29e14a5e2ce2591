package io.corral.internal.http;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * A request body that a worker model can also publish without blocking: it is read as the {@link
 * InputStream} that {@link io.corral.http.Request#body()} returns, or, once, subscribed to through
 * {@link io.corral.http.Request#bodyPublisher()}. A worker whose body is a plain stream (sync,
 * virtual, a request a test built) gets {@link RequestBodies#publish}, which reads on the thread
 * that asks for bytes; the async worker subclasses this to deliver bytes from its event loop as
 * they arrive.
 *
 * <p>Threading is the subclass's to state.
 */
public abstract class PublishingBody extends InputStream {

    /** For subclasses. */
    protected PublishingBody() {}

    /**
     * Subscribes {@code subscriber} to the body's bytes, following the rules that {@link
     * java.util.concurrent.Flow} documents (demand, signals in sequence, errors as {@code onError});
     * never blocks the calling thread. {@link io.corral.http.Request} calls it at most once per
     * body; a subclass refuses a subscriber if the body is already being read as a stream.
     */
    public abstract void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber);
}
