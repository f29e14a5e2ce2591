package io.corral.worker.sync;

import io.corral.testing.HostileClientSuite;

/** The hostile-client suite on the sync worker. */
class SyncHostileClientSuiteTest extends HostileClientSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
