package io.corral.worker.async;

import io.corral.testing.NginxSuite;

/** The async worker behind a real nginx. */
class AsyncNginxTest extends NginxSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
