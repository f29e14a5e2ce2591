package io.corral.testing;

import io.corral.http.Headers;
import java.nio.charset.StandardCharsets;

/**
 * A response as it came off the wire.
 *
 * @param statusLine the status line as sent
 * @param status the status code
 * @param headers the header fields
 * @param body the body, de-chunked
 * @param trailers the trailer fields of a chunked body
 */
public record RawResponse(String statusLine, int status, Headers headers, byte[] body, Headers trailers) {

    /** Returns the body as UTF-8 text. */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Returns the first value of {@code name}, or null. */
    public String header(String name) {
        return headers.firstOrNull(name);
    }

    /** Returns true if the server announced that it closes the connection. */
    public boolean closes() {
        return headers.containsToken("Connection", "close");
    }
}
