package io.corral.worker.sync;

import io.corral.testing.HttpSuite;

/** The end-to-end suite on the sync worker. */
class SyncHttpSuiteTest extends HttpSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
