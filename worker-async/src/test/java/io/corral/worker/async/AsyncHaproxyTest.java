package io.corral.worker.async;

import io.corral.testing.HaproxySuite;

/** The async worker behind a real HAProxy. */
class AsyncHaproxyTest extends HaproxySuite {

    @Override
    protected String workerClass() {
        return "async";
    }
}
