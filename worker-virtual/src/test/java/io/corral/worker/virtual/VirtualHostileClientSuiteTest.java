package io.corral.worker.virtual;

import io.corral.testing.HostileClientSuite;

/** The hostile-client suite on the virtual worker. */
class VirtualHostileClientSuiteTest extends HostileClientSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
