package dev.sparse24.prune;

import dev.sparse24.train.LearningRateSchedule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeTest {
    @Test
    void maskScheduleStepsByHand() {
        MaskSchedule s = new MaskSchedule(5, 3, 12);
        // selections at 5, 8, 11 (14 > 12)
        for (long step = 1; step <= 15; step++) {
            boolean expected = step == 5 || step == 8 || step == 11;
            assertEquals(expected, s.selectsAt(step), "selects at " + step);
            assertEquals(step < 5, s.denseAt(step), "dense at " + step);
            assertEquals(step < 11, s.changesAfter(step), "changes after " + step);
        }
        MaskSchedule once = MaskSchedule.once();
        assertTrue(once.isOnce());
        assertTrue(once.selectsAt(1));
        assertFalse(once.selectsAt(2));
        assertFalse(once.changesAfter(1));
        assertTrue(once.changesAfter(0));
    }

    @Test
    void maskScheduleRefusesImpossibleSteps() {
        assertThrows(IllegalArgumentException.class, () -> new MaskSchedule(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new MaskSchedule(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new MaskSchedule(5, 1, 4));
    }

    @Test
    void tfmotRecipeGivesExactlyTfmotsParameters() {
        Recipe r = Recipe.parse("tfmot");
        assertTrue(r.isTfmot());
        PruningParams p = r.twoByFour(844);
        assertTrue(p.isTfmotMByN());
        assertEquals("m_by_n 2:4", p.toString());
        assertEquals(1e-3f, r.optimizer(844).learningRate().rate(0));
        assertEquals(1e-3f, r.optimizer(844).learningRate().rate(843));
    }

    @Test
    void recipeStepsAreFractionsOfTheRun() {
        Recipe r = Recipe.parse("warmup=0.1,refresh=100,until=0.5,srste=2e-4,lr=cosine");
        // 844 steps: first selection after floor(84.4) = 84 dense steps, last at or before 422
        MaskSchedule s = r.maskSchedule(844);
        assertEquals(new MaskSchedule(85, 100, 422), s);
        PruningParams p = r.twoByFour(844);
        assertEquals(s, p.maskSchedule());
        assertEquals(2e-4, p.srSteDecay());
        assertEquals("m_by_n 2:4", p.toString(), "saved models record the pattern only");
        LearningRateSchedule lr = r.optimizer(844).learningRate();
        assertEquals(1e-3f, lr.rate(0));
        assertEquals(0.5e-3f, lr.rate(422), 1e-9f);
        assertEquals(0f, lr.rate(844));
        // no refresh: one selection after the warm-up
        assertEquals(new MaskSchedule(11, 1, 11), Recipe.parse("warmup=0.1").maskSchedule(100));
    }

    @Test
    void parseStartsFromANamedRecipeAndReadsItsOwnText() {
        Recipe best = Recipe.best();
        assertEquals(best, Recipe.parse("best"));
        assertEquals(best, Recipe.parse(best.toString()));
        Recipe noSrSte = Recipe.parse("best,srste=0");
        assertEquals(0, noSrSte.srSte());
        assertEquals(best.warmup(), noSrSte.warmup());
        assertSame(Boolean.TRUE, Recipe.parse("lr=cosine").cosine());
    }

    @Test
    void badRecipesAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("fast")).getMessage()
                .contains("key=value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("speed=2")).getMessage()
                .contains("unknown ingredient 'speed'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("warmup=x")).getMessage()
                .contains("warmup needs a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("warmup=1")).getMessage()
                .contains("[0, 1)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("lr=step")).getMessage()
                .contains("constant or cosine"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("srste=-1")).getMessage()
                .contains("srste"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.parse("warmup=0.1,warmup=0.2"))
                .getMessage().contains("twice"));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse(" "));
        assertThrows(IllegalArgumentException.class, () -> Recipe.best().maskSchedule(0));
    }

    @Test
    void unstructuredParametersRefuseMByNOptions() {
        PruningParams u = PruningParams.unstructured(new ConstantSparsity(0.5, 0));
        assertThrows(IllegalStateException.class, () -> u.withMaskSchedule(MaskSchedule.once()));
        assertThrows(IllegalStateException.class, () -> u.withSrSte(1e-4));
        assertThrows(IllegalArgumentException.class, () -> PruningParams.twoByFour().withSrSte(Double.NaN));
    }
}
