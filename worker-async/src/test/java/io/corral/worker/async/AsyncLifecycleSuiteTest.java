package io.corral.worker.async;

import io.corral.testing.LifecycleSuite;

/** The lifecycle suite on the async worker: its blocking handler on the offload pool, its async ones on the loop. */
class AsyncLifecycleSuiteTest extends LifecycleSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
