package io.corral.worker.async;

import io.corral.testing.HostileClientSuite;

/** The hostile-client suite on the async worker. */
class AsyncHostileClientSuiteTest extends HostileClientSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
