package io.corral.worker.async;

import io.corral.testing.HttpSuite;

/** The end-to-end suite on the async worker, with the suite's blocking handler on the offload pool. */
class AsyncHttpSuiteTest extends HttpSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
