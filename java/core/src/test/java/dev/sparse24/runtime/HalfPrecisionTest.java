package dev.sparse24.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalfPrecisionTest {

    /** fp16 decoded from its definition in double arithmetic, independent of the code under test. */
    private static double fp16Definition(int bits) {
        int sign = bits >> 15 & 1;
        int exp = bits >> 10 & 0x1F;
        int mant = bits & 0x3FF;
        double v = exp == 0 ? mant * Math.pow(2, -24) : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        return sign == 1 ? -v : v;
    }

    @Test
    void fp16DecodesEveryPatternAsDefined() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfPrecision.FP16.toFloat((short) bits);
            int exp = bits >> 10 & 0x1F;
            if (exp == 0x1F) {
                assertEquals((bits & 0x3FF) != 0, Float.isNaN(f), "pattern " + bits);
                if ((bits & 0x3FF) == 0) {
                    assertEquals((bits & 0x8000) != 0 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, f);
                }
            } else {
                assertEquals(fp16Definition(bits), f, 0.0, "pattern " + Integer.toHexString(bits));
                assertEquals(bits >> 15, Float.floatToRawIntBits(f) >>> 31, "sign of " + bits);
            }
        }
    }

    @Test
    void fp16EncodesEveryFiniteValueBackToItsPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            if ((bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0) {
                continue; // NaN payloads are not preserved bit for bit
            }
            assertEquals((short) bits, HalfPrecision.FP16.fromFloat(HalfPrecision.FP16.toFloat((short) bits)),
                    "pattern " + Integer.toHexString(bits));
        }
    }

    @Test
    void fp16RoundsEveryMidpointToEvenAndNeighboursToNearest() {
        // For each pair of adjacent positive finite halves (a, a+1), the midpoint is exact in
        // fp32 (12 significant bits); it must go to the even pattern, and one fp32 ulp either
        // side to the nearer one. The last pair (0x7BFF, infinity) uses 65520, the overflow edge.
        for (int bits = 0; bits < 0x7C00; bits++) {
            double lo = fp16Definition(bits);
            double hi = bits + 1 == 0x7C00 ? 65536.0 : fp16Definition(bits + 1);
            float mid = (float) ((lo + hi) / 2);
            assertEquals((lo + hi) / 2, mid, 0.0, "midpoint exact in fp32");
            int even = (bits & 1) == 0 ? bits : bits + 1;
            for (int sign : new int[]{0, 0x8000}) {
                float s = sign == 0 ? 1f : -1f;
                assertEquals((short) (even | sign), HalfPrecision.FP16.fromFloat(s * mid), "mid " + mid);
                assertEquals((short) (bits | sign), HalfPrecision.FP16.fromFloat(s * Math.nextDown(mid)));
                assertEquals((short) ((bits + 1) | sign), HalfPrecision.FP16.fromFloat(s * Math.nextUp(mid)));
            }
        }
    }

    @Test
    void fp16KnownValues() {
        assertEquals((short) 0x3C00, HalfPrecision.FP16.fromFloat(1f));
        assertEquals((short) 0xC000, HalfPrecision.FP16.fromFloat(-2f));
        assertEquals((short) 0x2E66, HalfPrecision.FP16.fromFloat(0.1f));
        assertEquals((short) 0x7BFF, HalfPrecision.FP16.fromFloat(65504f));
        assertEquals((short) 0x7BFF, HalfPrecision.FP16.fromFloat(65519.99f));
        assertEquals((short) 0x7C00, HalfPrecision.FP16.fromFloat(65520f));
        assertEquals((short) 0x7C00, HalfPrecision.FP16.fromFloat(1e10f));
        assertEquals((short) 0xFC00, HalfPrecision.FP16.fromFloat(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x0001, HalfPrecision.FP16.fromFloat(0x1p-24f));
        assertEquals((short) 0x0000, HalfPrecision.FP16.fromFloat(0x1p-25f)); // tie to even: zero
        assertEquals((short) 0x0001, HalfPrecision.FP16.fromFloat(Math.nextUp(0x1p-25f)));
        assertEquals((short) 0x0400, HalfPrecision.FP16.fromFloat(0x1p-14f)); // smallest normal
        assertEquals((short) 0x8000, HalfPrecision.FP16.fromFloat(-0f));
        assertEquals((short) 0x0000, HalfPrecision.FP16.fromFloat(Float.MIN_VALUE));
        assertTrue(Float.isNaN(HalfPrecision.FP16.toFloat(HalfPrecision.FP16.fromFloat(Float.NaN))));
        // A NaN whose payload lives only in the low 13 bits must not turn into infinity.
        assertTrue(Float.isNaN(HalfPrecision.FP16.round(Float.intBitsToFloat(0x7F80_0001))));
    }

    @Test
    void bf16EncodesEveryFiniteValueBackAndRoundsMidpointsToEven() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfPrecision.BF16.toFloat((short) bits);
            assertEquals(bits << 16, Float.floatToRawIntBits(f));
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfPrecision.BF16.round(f)));
                continue;
            }
            assertEquals((short) bits, HalfPrecision.BF16.fromFloat(f));
            if ((bits & 0x7FFF) < 0x7F80) {
                // The fp32 halfway to the next pattern (away from zero) and its neighbours.
                int mid = bits << 16 | 0x8000;
                int even = (bits & 1) == 0 ? bits : bits + 1;
                assertEquals((short) even, HalfPrecision.BF16.fromFloat(Float.intBitsToFloat(mid)));
                assertEquals((short) bits, HalfPrecision.BF16.fromFloat(Float.intBitsToFloat(mid - 1)));
                assertEquals((short) (bits + 1), HalfPrecision.BF16.fromFloat(Float.intBitsToFloat(mid + 1)));
            }
        }
    }

    @Test
    void bf16KnownValues() {
        assertEquals((short) 0x3F80, HalfPrecision.BF16.fromFloat(1f));
        assertEquals((short) 0x4049, HalfPrecision.BF16.fromFloat((float) Math.PI));
        assertEquals((short) 0x3DCD, HalfPrecision.BF16.fromFloat(0.1f));
        assertEquals((short) 0x7F80, HalfPrecision.BF16.fromFloat(Float.MAX_VALUE)); // rounds up to inf
        assertEquals((short) 0x8000, HalfPrecision.BF16.fromFloat(-0f));
        assertTrue(Float.isNaN(HalfPrecision.BF16.round(Float.intBitsToFloat(0x7F80_0001))));
        assertEquals("bf16", HalfPrecision.BF16.kernelName());
        assertEquals("f16", HalfPrecision.FP16.kernelName());
    }
}
