package io.corral.worker.virtual;

import io.corral.testing.FleetSuite;

/** The fleet suite (proxies, readiness, metrics, reuse_port) on the virtual worker. */
class VirtualFleetSuiteTest extends FleetSuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
