package io.corral.worker.async;

import io.corral.testing.RequestBodySuite;

/** Request bodies on the async worker, consumed in every way a handler can. */
class AsyncRequestBodySuiteTest extends RequestBodySuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
