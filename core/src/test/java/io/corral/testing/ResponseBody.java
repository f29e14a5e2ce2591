package io.corral.testing;

import io.corral.http.Response;
import io.corral.internal.http.ResponseBodies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads a {@link Response}'s body the way the server writes it, for tests; the public API does not
 * show the body, so handler tests that need it use this.
 */
public final class ResponseBody {

    private ResponseBody() {}

    /** Returns the body's bytes, running the writer of a streaming body on this thread. */
    public static byte[] bytes(Response response) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResponseBodies.write(response, out);
        return out.toByteArray();
    }

    /** Returns the body decoded as UTF-8; see {@link #bytes}. */
    public static String text(Response response) throws IOException {
        return new String(bytes(response), StandardCharsets.UTF_8);
    }
}
