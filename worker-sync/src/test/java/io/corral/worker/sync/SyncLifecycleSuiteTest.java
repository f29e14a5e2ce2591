package io.corral.worker.sync;

import io.corral.testing.LifecycleSuite;

/** The lifecycle suite on the sync worker. */
class SyncLifecycleSuiteTest extends LifecycleSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
