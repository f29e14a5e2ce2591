package io.corral.worker.async;

import io.corral.testing.FleetSuite;

/** The fleet suite (proxies, readiness, metrics, reuse_port) on the async worker. */
class AsyncFleetSuiteTest extends FleetSuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
