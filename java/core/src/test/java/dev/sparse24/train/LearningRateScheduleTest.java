package dev.sparse24.train;

import dev.sparse24.nn.Parameter;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LearningRateScheduleTest {
    @Test
    void cosineDecayMatchesKerasFormulaByHand() {
        LearningRateSchedule s = LearningRateSchedule.cosineDecay(0.1f, 100, 0.2);
        assertEquals(0.1f, s.rate(0), 1e-9f);
        // t = 50: 0.1 * (0.8 * 0.5 * (1 + cos(pi/2)) + 0.2) = 0.1 * 0.6
        assertEquals(0.06f, s.rate(50), 1e-7f);
        // t = 25: 0.1 * (0.8 * 0.5 * (1 + cos(pi/4)) + 0.2) = 0.1 * (0.4 * 1.70710678 + 0.2)
        assertEquals(0.1 * (0.4 * 1.7071067811865475 + 0.2), s.rate(25), 1e-7);
        assertEquals(0.02f, s.rate(100), 1e-9f);
        assertEquals(0.02f, s.rate(1000), 1e-9f, "after the decay steps the rate stays at alpha * initial");
    }

    @Test
    void badSchedulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosineDecay(1e-3f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosineDecay(1e-3f, 10, 1.5));
    }

    @Test
    void adamAsksTheScheduleForEachStepsRate() {
        // One scalar weight, gradient 1 at every step: Adam's m/(sqrt(v)+eps) is then
        // (1 - b1^t) / (sqrt(1 - b2^t) + eps), and with Keras's folded bias correction each
        // step moves the weight by almost exactly the step's rate.
        float[] rates = {0.5f, 0.25f, 0.125f};
        LearningRateSchedule s = it -> rates[(int) it];
        Adam adam = new Adam(s);
        Parameter p = new Parameter("w", Tensor.zeros(1), true);
        double w = 0;
        for (int t = 1; t <= 3; t++) {
            p.grad().set(0, 1f);
            adam.step(List.of(p));
            double m = 1 - Math.pow(0.9, t);
            double v = 1 - Math.pow(0.999, t);
            w -= rates[t - 1] * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t)) * m / (Math.sqrt(v) + 1e-7);
            assertEquals(w, p.value().get(0), 1e-5, "after step " + t + " (float32 arithmetic)");
        }
    }

    @Test
    void aScheduleGivingABadRateFailsTheStepClearly() {
        Adam adam = new Adam(it -> Float.NaN);
        Parameter p = new Parameter("w", Tensor.zeros(1), true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> adam.step(List.of(p)));
        assertEquals(true, e.getMessage().contains("NaN"));
        assertEquals(0f, p.value().get(0), "nothing is updated");
    }
}
