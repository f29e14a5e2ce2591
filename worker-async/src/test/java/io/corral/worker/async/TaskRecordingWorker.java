package io.corral.worker.async;

import io.corral.Config;
import io.corral.Hooks;
import io.corral.metrics.CloseReason;
import io.corral.spi.Application;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;
import io.corral.spi.WorkerMetrics;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The async worker model with a look inside its TLS engines: every delegated task an engine hands
 * out is recorded with the thread that runs it, so that a test can tell that none ran on the event
 * loop, and the loop's questions to an engine are counted, so that a test can wait until the loop
 * has tried a read or write. Give it to {@code Arbiter.builder().workerFactory(...)}. Thread-safe.
 */
final class TaskRecordingWorker implements WorkerFactory {

    private static final Pattern LOOP = Pattern.compile("corral-async-\\d+"); // not its offload threads

    private final AsyncWorkerFactory async = new AsyncWorkerFactory();
    private final List<Thread> taskThreads = new CopyOnWriteArrayList<>();
    private final AtomicInteger loopStatusQueries = new AtomicInteger();
    private final List<AsyncWorker> workers = new CopyOnWriteArrayList<>();

    /**
     * Returns how many times an event loop has asked an engine for its handshake status: a read or
     * write through the TLS transport asks before anything else, so a count that moved says the loop
     * has tried one.
     */
    int loopStatusQueries() {
        return loopStatusQueries.get();
    }

    /** Returns the threads that ran the engines' delegated tasks, one entry per task, in order. */
    List<Thread> taskThreads() {
        return taskThreads;
    }

    @Override
    public String name() {
        return "async";
    }

    @Override
    public boolean servesTls() {
        return true;
    }

    @Override
    public void checkConfig(Config config) {
        async.checkConfig(config);
    }

    @Override
    public Worker create(WorkerContext context) {
        Worker w = async.create(new Context(context));
        workers.add((AsyncWorker) w);
        return w;
    }

    /**
     * Returns what {@code inspect} finds on each worker's event loop, run on that loop's thread
     * (which owns the connections), in the order the workers were made.
     */
    <T> List<T> onEachLoop(java.util.function.Function<EventLoop, T> inspect) throws Exception {
        List<T> found = new java.util.ArrayList<>();
        for (AsyncWorker w : workers) {
            EventLoop loop = w.loop();
            java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
            loop.execute(() -> f.complete(inspect.apply(loop)));
            found.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        return found;
    }

    /** The Arbiter's context, whose engines record where their tasks run. */
    private final class Context implements WorkerContext {
        private final WorkerContext d;

        Context(WorkerContext d) {
            this.d = d;
        }

        @Override
        public Optional<SSLEngine> newTlsEngine(InetSocketAddress peer) {
            return d.newTlsEngine(peer).map(Recording::new);
        }

        @Override
        public boolean tlsEnabled() {
            return d.tlsEnabled();
        }

        @Override
        public int workerId() {
            return d.workerId();
        }

        @Override
        public Config config() {
            return d.config();
        }

        @Override
        public ServerSocketChannel listener() {
            return d.listener();
        }

        @Override
        public Application application() {
            return d.application();
        }

        @Override
        public Hooks hooks() {
            return d.hooks();
        }

        @Override
        public void heartbeat() {
            d.heartbeat();
        }

        @Override
        public void connectionOpened() {
            d.connectionOpened();
        }

        @Override
        public void connectionClosed(CloseReason reason) {
            d.connectionClosed(reason);
        }

        @Override
        public WorkerMetrics metrics() {
            return d.metrics();
        }

        @Override
        public boolean requestFinished() {
            return d.requestFinished();
        }

        @Override
        public boolean stopping() {
            return d.stopping();
        }

        @Override
        public void requestAborted(Hooks.AbortedRequest aborted) {
            d.requestAborted(aborted);
        }

        @Override
        public void threadAbandoned(Thread thread) {
            d.threadAbandoned(thread);
        }

        @Override
        public Registration watch(WatchedConnection connection) {
            return d.watch(connection);
        }

        @Override
        public void failed(Throwable cause) {
            d.failed(cause);
        }
    }

    /** An engine that does what the real one does, and records the thread of each delegated task. */
    private final class Recording extends SSLEngine {
        private final SSLEngine e;

        Recording(SSLEngine e) {
            super(e.getPeerHost(), e.getPeerPort());
            this.e = e;
        }

        @Override
        public Runnable getDelegatedTask() {
            Runnable task = e.getDelegatedTask();
            return task == null
                    ? null
                    : () -> {
                        taskThreads.add(Thread.currentThread());
                        task.run();
                    };
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
            return e.wrap(srcs, offset, length, dst);
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
            return e.unwrap(src, dsts, offset, length);
        }

        @Override
        public void closeInbound() throws SSLException {
            e.closeInbound();
        }

        @Override
        public boolean isInboundDone() {
            return e.isInboundDone();
        }

        @Override
        public void closeOutbound() {
            e.closeOutbound();
        }

        @Override
        public boolean isOutboundDone() {
            return e.isOutboundDone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return e.getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return e.getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            e.setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return e.getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return e.getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            e.setEnabledProtocols(protocols);
        }

        @Override
        public SSLSession getSession() {
            return e.getSession();
        }

        @Override
        public SSLSession getHandshakeSession() {
            return e.getHandshakeSession();
        }

        @Override
        public void beginHandshake() throws SSLException {
            e.beginHandshake();
        }

        @Override
        public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
            if (LOOP.matcher(Thread.currentThread().getName()).matches()) {
                loopStatusQueries.incrementAndGet();
            }
            return e.getHandshakeStatus();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            e.setUseClientMode(mode);
        }

        @Override
        public boolean getUseClientMode() {
            return e.getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            e.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return e.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            e.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return e.getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            e.setEnableSessionCreation(flag);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return e.getEnableSessionCreation();
        }

        @Override
        public SSLParameters getSSLParameters() {
            return e.getSSLParameters();
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            e.setSSLParameters(params);
        }

        @Override
        public String getApplicationProtocol() {
            return e.getApplicationProtocol();
        }

        @Override
        public String getHandshakeApplicationProtocol() {
            return e.getHandshakeApplicationProtocol();
        }

        @Override
        public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
            e.setHandshakeApplicationProtocolSelector(selector);
        }

        @Override
        public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
            return e.getHandshakeApplicationProtocolSelector();
        }
    }
}
