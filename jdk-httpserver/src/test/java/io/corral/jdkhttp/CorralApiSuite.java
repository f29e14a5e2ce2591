package io.corral.jdkhttp;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Properties;

/** The API suite on Corral's provider, with the worker model a subclass names. */
abstract class CorralApiSuite extends JdkApiSuite {

    /** Returns the worker model under test. */
    protected abstract String workerClass();

    /** The settings of the servers under test: the model, one worker, a few threads on sync. */
    protected Properties settings() {
        Properties p = new Properties();
        p.setProperty("corral.worker_class", workerClass());
        p.setProperty("corral.workers", "1");
        p.setProperty("corral.threads", "8");
        p.setProperty("corral.keepalive", "5s");
        return p;
    }

    @Override
    protected HttpServer create(InetSocketAddress addr, int backlog) throws IOException {
        return CorralHttpServerProvider.create(settings(), addr, backlog);
    }
}
