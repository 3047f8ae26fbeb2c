package dev.sparse24.prune;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningScheduleTest {
    private static List<Long> pruningSteps(PruningSchedule s, long lastStep) {
        List<Long> steps = new ArrayList<>();
        for (long step = 1; step <= lastStep; step++) {
            if (s.shouldPrune(step)) {
                steps.add(step);
            }
        }
        return steps;
    }

    @Test
    void tutorialConstantSparsityPrunesEveryHundredStepsFromStepHundred() {
        // Two epochs of 422 batches: steps 1..844.
        assertEquals(List.of(100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L),
                pruningSteps(new ConstantSparsity(0.5, 0), 844));
        assertEquals(List.of(100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L),
                pruningSteps(new ConstantSparsity(0.5, 0, -1, 100), 844));
    }

    @Test
    void rangeAndFrequencyBoundThePruningSteps() {
        assertEquals(List.of(50L, 150L, 250L), pruningSteps(new ConstantSparsity(0.3, 50, 250, 100), 400));
        assertEquals(List.of(50L, 150L), pruningSteps(new ConstantSparsity(0.3, 50, 249, 100), 400));
        assertEquals(List.of(10L), pruningSteps(new ConstantSparsity(0.3, 10, 10, 3), 100));
        assertEquals(List.of(2L, 3L, 4L), pruningSteps(new ConstantSparsity(0.3, 2, 4, 1), 10));
        assertEquals(10, pruningSteps(new PolynomialDecay(0.0, 0.8, 0, 1000), 1200).size());
    }

    @Test
    void constantSparsityIsConstant() {
        ConstantSparsity s = new ConstantSparsity(0.75, 0);
        assertEquals(0.75, s.sparsity(1));
        assertEquals(0.75, s.sparsity(100_000));
        assertEquals(0.75, s.finalSparsity());
    }

    @Test
    void polynomialDecayFollowsTheCubicByHand() {
        PolynomialDecay s = new PolynomialDecay(0.2, 0.8, 0, 100);
        assertEquals(0.2, s.sparsity(0), 1e-6);
        // p = 0.25: 0.8 - 0.6 * 0.75^3 = 0.8 - 0.6 * 0.421875 = 0.546875
        assertEquals(0.546875, s.sparsity(25), 1e-6);
        // p = 0.5: 0.8 - 0.6 * 0.125 = 0.725
        assertEquals(0.725, s.sparsity(50), 1e-6);
        assertEquals(0.8, s.sparsity(100), 1e-6);
        assertEquals(0.8, s.sparsity(250), 1e-6, "clipped after the end");

        PolynomialDecay late = new PolynomialDecay(0.1, 0.5, 100, 200);
        assertEquals(0.1, late.sparsity(50), 1e-6, "clipped before the start");
        assertEquals(0.45, late.sparsity(150), 1e-6); // 0.5 - 0.4 * 0.125

        PolynomialDecay linear = new PolynomialDecay(0.0, 0.5, 0, 10, 1, 1);
        assertEquals(0.2, linear.sparsity(4), 1e-6);
    }

    @Test
    void polynomialDecayWithEndAtBeginJumpsToFinal() {
        PolynomialDecay s = new PolynomialDecay(0.2, 0.6, 5, 5, 3, 1);
        assertEquals(0.2, s.sparsity(4), 1e-6);
        assertEquals(0.6, s.sparsity(5), 1e-6);
    }

    private static void assertRejected(String expectedFragment, Executable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
        assertTrue(e.getMessage().contains(expectedFragment), "'" + e.getMessage() + "' lacks '" + expectedFragment + "'");
    }

    @Test
    void everyValidationRuleNamesValueAndRule() {
        assertRejected("begin_step must be >= 0, given -1", () -> new ConstantSparsity(0.5, -1));
        assertRejected("begin_step must be >= 0, given -1", () -> new PolynomialDecay(0.1, 0.5, -1, 10));
        assertRejected("end_step must be -1 or >= 0, given -2", () -> new ConstantSparsity(0.5, 0, -2, 100));
        assertRejected("end_step must be >= begin_step (10), given 5", () -> new ConstantSparsity(0.5, 10, 5, 100));
        assertRejected("end_step must be >= begin_step (10), given 5", () -> new PolynomialDecay(0.1, 0.5, 10, 5));
        assertRejected("end_step cannot be -1", () -> new PolynomialDecay(0.1, 0.5, 0, -1));
        assertRejected("frequency must be > 0, given 0", () -> new ConstantSparsity(0.5, 0, -1, 0));
        assertRejected("frequency must be > 0, given -5", () -> new PolynomialDecay(0.1, 0.5, 0, 10, 3, -5));
        assertRejected("target_sparsity must be in [0, 1), given 1.0", () -> new ConstantSparsity(1.0, 0));
        assertRejected("target_sparsity must be in [0, 1), given -0.1", () -> new ConstantSparsity(-0.1, 0));
        assertRejected("target_sparsity must be in [0, 1), given NaN", () -> new ConstantSparsity(Double.NaN, 0));
        assertRejected("initial_sparsity must be in [0, 1), given 1.0", () -> new PolynomialDecay(1.0, 0.5, 0, 10));
        assertRejected("final_sparsity must be in [0, 1), given 1.5", () -> new PolynomialDecay(0.1, 1.5, 0, 10));
        assertRejected("power must be finite and >= 0, given -1.0", () -> new PolynomialDecay(0.1, 0.5, 0, 10, -1, 100));
        assertRejected("power must be finite and >= 0, given NaN",
                () -> new PolynomialDecay(0.1, 0.5, 0, 10, Double.NaN, 100));
    }

    @Test
    void boundaryValuesAreAccepted() {
        new ConstantSparsity(0.0, 0, 0, 1);
        new ConstantSparsity(0.999, 0, -1, 1);
        new PolynomialDecay(0.0, 0.0, 0, 0, 0, 1);
        assertEquals(-1, new ConstantSparsity(0.5, 0).endStep());
        assertEquals(100, new ConstantSparsity(0.5, 0).frequency());
        assertEquals(3.0, new PolynomialDecay(0.1, 0.5, 0, 10).power());
    }
}
