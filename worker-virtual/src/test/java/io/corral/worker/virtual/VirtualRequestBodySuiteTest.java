package io.corral.worker.virtual;

import io.corral.testing.RequestBodySuite;

/** Request bodies on the virtual worker, consumed in every way a handler can. */
class VirtualRequestBodySuiteTest extends RequestBodySuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
