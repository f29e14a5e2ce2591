package io.corral.worker.sync;

import io.corral.testing.HttpSuite;

/** The end-to-end suite on the sync worker. */
class SyncHttpSuiteTest extends HttpSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }

    /** A full sync worker has every thread busy, so none is left to answer 503: it uses the backlog. */
    @Override
    protected boolean supportsRejectPolicy() {
        return false;
    }
}
