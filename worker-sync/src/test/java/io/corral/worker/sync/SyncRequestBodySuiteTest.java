package io.corral.worker.sync;

import io.corral.testing.RequestBodySuite;

/** Request bodies on the sync worker, consumed in every way a handler can. */
class SyncRequestBodySuiteTest extends RequestBodySuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
