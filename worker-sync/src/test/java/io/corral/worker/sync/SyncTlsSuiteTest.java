package io.corral.worker.sync;

import io.corral.testing.TlsSuite;

/** The TLS suite on the sync worker. */
class SyncTlsSuiteTest extends TlsSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
