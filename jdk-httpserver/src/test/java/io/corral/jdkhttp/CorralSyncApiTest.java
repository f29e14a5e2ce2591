package io.corral.jdkhttp;

/** The API suite on Corral's provider with the sync worker model. */
class CorralSyncApiTest extends CorralApiSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
