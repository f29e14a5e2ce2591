package io.corral.internal.http;

import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives raw bytes through a {@link RequestParser} and a {@link BodyDecoder} per request the way a
 * connection does: reads pieces into a small buffer, keeps what was not consumed (compact) and
 * appends the next piece. Catches only {@link BadMessageException}: anything else escapes and fails
 * the test.
 */
final class CodecDriver {

    /** One request as the codec delivered it; {@code body} is ISO-8859-1 so any bytes compare exactly. */
    record Exchange(RequestHead head, String body, Headers trailers) {}

    /**
     * What the codec made of the whole input.
     *
     * @param exchanges the requests completed, body and trailers included
     * @param partial the request whose body was being read when the input ended or failed, with the
     *     body bytes delivered so far and empty trailers; null if none
     * @param status the status of the BadMessageException that ended the input, or 0
     * @param message its message, or null
     * @param headInProgress true if the input ended inside a head
     */
    record Outcome(List<Exchange> exchanges, Exchange partial, int status, String message, boolean headInProgress) {

        /** Returns true if every byte formed complete requests. */
        boolean clean() {
            return partial == null && status == 0 && !headInProgress;
        }
    }

    /**
     * How bytes are delivered.
     *
     * @param pieces the sizes of successive reads, reused cyclically; each is cut to the buffer's room
     * @param bufferCapacity the capacity of the read buffer
     * @param dstLength the size of the array bodies are decoded into
     * @param direct true for a direct buffer (the codec's path without a backing array)
     */
    record Feed(int[] pieces, int bufferCapacity, int dstLength, boolean direct) {

        /** All bytes in one read. */
        static Feed whole(int length) {
            return new Feed(new int[] {Math.max(1, length)}, Math.max(1, length), 8192, false);
        }

        /** One byte per read, decoded into a one-byte array. */
        static Feed byteByByte() {
            return new Feed(new int[] {1}, 1, 1, false);
        }

        /** Two reads, split before byte {@code at}. */
        static Feed splitAt(int at, int length) {
            return new Feed(new int[] {at, length - at}, Math.max(1, length), 3, false);
        }
    }

    private CodecDriver() {}

    static Outcome run(byte[] raw, Limits limits, Feed feed) {
        return new Run(raw, limits, feed).run();
    }

    static Outcome run(String raw, Limits limits, Feed feed) {
        return run(raw.getBytes(StandardCharsets.ISO_8859_1), limits, feed);
    }

    static Outcome runWhole(byte[] raw, Limits limits) {
        return run(raw, limits, Feed.whole(raw.length));
    }

    private static final class Run {
        private final byte[] raw;
        private final Limits limits;
        private final Feed feed;
        private final ByteBuffer buffer;
        private int sent;
        private int piece;

        Run(byte[] raw, Limits limits, Feed feed) {
            this.raw = raw;
            this.limits = limits;
            this.feed = feed;
            this.buffer = feed.direct()
                    ? ByteBuffer.allocateDirect(feed.bufferCapacity())
                    : ByteBuffer.allocate(feed.bufferCapacity());
            buffer.flip();
        }

        Outcome run() {
            RequestParser parser = new RequestParser(limits);
            List<Exchange> exchanges = new ArrayList<>();
            byte[] dst = new byte[feed.dstLength()];
            RequestHead head = null;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try {
                while (true) {
                    head = parser.parse(buffer);
                    if (head == null) {
                        if (buffer.hasRemaining()) {
                            throw new AssertionError("parse returned null without consuming every byte");
                        }
                        if (!refill()) {
                            return new Outcome(exchanges, null, 0, null, parser.inProgress());
                        }
                        continue;
                    }
                    BodyDecoder decoder = BodyDecoder.forHead(head, limits);
                    body.reset();
                    int n;
                    while ((n = decoder.read(buffer, dst, 0, dst.length)) != -1) {
                        if (n > 0) {
                            body.write(dst, 0, n);
                        } else if (buffer.hasRemaining()) {
                            throw new AssertionError("read returned 0 without consuming every byte");
                        } else if (!refill()) {
                            return new Outcome(exchanges, exchange(head, body, Headers.empty()), 0, null, false);
                        }
                    }
                    if (!decoder.isComplete()) {
                        throw new AssertionError("read returned -1 but isComplete() is false");
                    }
                    exchanges.add(exchange(head, body, decoder.trailers()));
                    head = null;
                }
            } catch (BadMessageException e) {
                Exchange partial = head == null ? null : exchange(head, body, Headers.empty());
                return new Outcome(exchanges, partial, e.status(), e.getMessage(), false);
            }
        }

        /** Keeps unconsumed bytes and appends the next piece; false once every byte was sent. */
        private boolean refill() {
            if (sent == raw.length) {
                return false;
            }
            buffer.compact();
            if (!buffer.hasRemaining()) {
                throw new AssertionError("the codec asked for more bytes but left the buffer full");
            }
            int size = feed.pieces()[piece++ % feed.pieces().length];
            int n = Math.min(Math.min(Math.max(1, size), buffer.remaining()), raw.length - sent);
            buffer.put(raw, sent, n);
            sent += n;
            buffer.flip();
            return true;
        }

        private static Exchange exchange(RequestHead head, ByteArrayOutputStream body, Headers trailers) {
            return new Exchange(head, body.toString(StandardCharsets.ISO_8859_1), trailers);
        }
    }
}
