package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FdBudgetTest {

    @Test
    void eachConnectionCostsTwoDescriptorsPerProcessAfterAReserve() {
        assertEquals(9872, FdBudget.maxConcurrency(20_000));
        assertEquals(384, FdBudget.maxConcurrency(1024));
        assertEquals(0, FdBudget.maxConcurrency(100));
        assertEquals(Integer.MAX_VALUE, FdBudget.maxConcurrency(-1));
    }

    @Test
    void readsThisJvmsLimit() {
        long limit = FdBudget.limit();
        assertTrue(limit == -1 || limit > FdBudget.RESERVE, "limit " + limit);
    }
}
