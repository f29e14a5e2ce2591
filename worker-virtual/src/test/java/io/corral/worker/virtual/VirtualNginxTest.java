package io.corral.worker.virtual;

import io.corral.testing.NginxSuite;

/** The virtual worker behind a real nginx. */
class VirtualNginxTest extends NginxSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
