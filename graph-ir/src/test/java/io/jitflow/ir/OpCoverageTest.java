package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Fails when an op was added without a hand-checked test of its semantics. */
class OpCoverageTest {
    /**
     * The hand-checked semantics tests. They run here as well (they are pure), so the check does
     * not depend on the order in which test classes run, nor on running them at all.
     */
    private static final List<Class<?>> SEMANTICS_TESTS = List.of(ElementwiseOpsTest.class, StructuralOpsTest.class,
            WindowOpsTest.class, CompositeOpsTest.class, ControlFlowOpsTest.class);

    @Test
    void everyOpWasEvaluatedByAHandCheckedTest() throws Exception {
        for (Class<?> c : SEMANTICS_TESTS) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Test.class)) {
                    var constructor = c.getDeclaredConstructor();
                    constructor.setAccessible(true);
                    m.setAccessible(true);
                    m.invoke(constructor.newInstance());
                }
            }
        }
        Set<Op> missing = EnumSet.allOf(Op.class);
        missing.removeAll(OpHarness.EVALUATED);
        // Variable ops are exercised through whole functions in InterpreterTest.
        missing.remove(Op.READ_VARIABLE);
        missing.remove(Op.ASSIGN_VARIABLE);
        assertEquals(Set.of(), missing, "ops without a semantics test");
    }
}
