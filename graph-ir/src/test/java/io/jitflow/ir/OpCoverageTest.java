package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Fails when an op was added without a hand-checked test of its semantics. */
@Order(Integer.MAX_VALUE)
class OpCoverageTest {
    @Test
    void everyOpWasEvaluatedByAHandCheckedTest() {
        Set<Op> missing = EnumSet.allOf(Op.class);
        missing.removeAll(OpHarness.EVALUATED);
        // Variable ops are exercised through whole functions in InterpreterTest.
        missing.remove(Op.READ_VARIABLE);
        missing.remove(Op.ASSIGN_VARIABLE);
        assertEquals(Set.of(), missing, "ops without a semantics test");
    }
}
