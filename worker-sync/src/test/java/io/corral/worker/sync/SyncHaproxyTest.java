package io.corral.worker.sync;

import io.corral.testing.HaproxySuite;

/** The sync worker behind a real HAProxy. */
class SyncHaproxyTest extends HaproxySuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
