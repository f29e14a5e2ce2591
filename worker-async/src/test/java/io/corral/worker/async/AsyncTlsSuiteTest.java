package io.corral.worker.async;

import io.corral.testing.TlsSuite;

/** The TLS suite on the async worker. */
class AsyncTlsSuiteTest extends TlsSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
