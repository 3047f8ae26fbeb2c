package dev.sparse24.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known binary16 patterns (IEEE-754 table values); every pattern is checked in HalfPrecisionTest. */
class Float16Test {
    @Test
    void knownPatterns() {
        assertEquals(1f, Float16.toFloat((short) 0x3c00));
        assertEquals(-2f, Float16.toFloat((short) 0xc000));
        assertEquals(65504f, Float16.toFloat((short) 0x7bff), "largest finite");
        assertEquals(0x1p-14f, Float16.toFloat((short) 0x0400), "smallest normal");
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001), "smallest subnormal");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Float16.toFloat((short) 0x8000)));
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat((short) 0x7c00));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat((short) 0xfc00));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0x7e00)));
    }
}
