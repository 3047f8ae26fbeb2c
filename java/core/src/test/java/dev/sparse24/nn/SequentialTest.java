package dev.sparse24.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequentialTest {
    @Test
    void kerasNamesForClassNames() {
        assertEquals("conv2d", Sequential.keras("Conv2D"));
        assertEquals("max_pooling2d", Sequential.keras("MaxPooling2D"));
        assertEquals("batch_normalization", Sequential.keras("BatchNormalization"));
        assertEquals("re_lu", Sequential.keras("ReLU"));
        assertEquals("dense", Sequential.keras("Dense"));
        assertEquals("prune_low_magnitude", Sequential.keras("PruneLowMagnitude"));
    }
}
