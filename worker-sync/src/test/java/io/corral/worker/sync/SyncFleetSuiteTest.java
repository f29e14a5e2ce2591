package io.corral.worker.sync;

import io.corral.testing.FleetSuite;

/** The fleet suite (proxies, readiness, metrics, reuse_port) on the sync worker. */
class SyncFleetSuiteTest extends FleetSuite {

    @Override
    protected String workerClass() {
        return "sync";
    }
}
