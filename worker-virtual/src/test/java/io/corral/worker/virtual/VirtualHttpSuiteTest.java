package io.corral.worker.virtual;

import io.corral.testing.HttpSuite;

/** The end-to-end suite on the virtual worker. */
class VirtualHttpSuiteTest extends HttpSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
