package io.corral.worker.virtual;

import io.corral.testing.TlsSuite;

/** The TLS suite on the virtual worker. */
class VirtualTlsSuiteTest extends TlsSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
