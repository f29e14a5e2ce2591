package io.corral.testing;

import io.corral.Arbiter;
import java.io.IOException;

/** One-line probes of a running Arbiter over a new connection each, for the suites. */
public final class Probes {

    private Probes() {}

    /** True if a new connection to {@code a} is refused: its listener is closed. */
    public static boolean refusesConnections(Arbiter a) {
        try {
            RawClient.connect(a.port()).close();
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    /** Returns the body of GET /hello on a new connection, or null if the connection failed. */
    public static String helloText(Arbiter a) {
        try (RawClient c = RawClient.connect(a.port())) {
            return c.get("/hello").read().text();
        } catch (IOException e) {
            return null;
        }
    }

    /** Returns the status of GET /hello on a new connection. */
    public static int getHello(Arbiter a) throws IOException {
        try (RawClient c = RawClient.connect(a.port())) {
            return c.get("/hello").read().status();
        }
    }
}
