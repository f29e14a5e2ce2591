package io.corral.worker.sync;

import io.corral.testing.NginxSuite;

/** The sync worker behind a real nginx. */
class SyncNginxTest extends NginxSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
