package io.corral.jdkhttp;

/** The API suite on Corral's provider with the virtual worker model. */
class CorralVirtualApiTest extends CorralApiSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
