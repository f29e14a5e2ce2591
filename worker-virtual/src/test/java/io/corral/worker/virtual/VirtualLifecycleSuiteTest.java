package io.corral.worker.virtual;

import io.corral.testing.LifecycleSuite;

/** The lifecycle suite on the virtual worker. */
class VirtualLifecycleSuiteTest extends LifecycleSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
