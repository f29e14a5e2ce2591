package io.corral.worker.virtual;

import io.corral.testing.HaproxySuite;

/** The virtual worker behind a real HAProxy. */
class VirtualHaproxyTest extends HaproxySuite {

    @Override
    protected String workerClass() {
        return "virtual";
    }
}
