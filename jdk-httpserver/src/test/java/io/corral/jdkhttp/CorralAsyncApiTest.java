package io.corral.jdkhttp;

/** The API suite on Corral's provider with the async worker model. */
class CorralAsyncApiTest extends CorralApiSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
