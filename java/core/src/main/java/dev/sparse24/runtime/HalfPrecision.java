package dev.sparse24.runtime;

import dev.sparse24.tensor.Float16;

/**
 * The two 16-bit floating-point operand types of the sparse tensor cores, with exact
 * conversions from and to fp32.
 *
 * <p>Why hand-written: Java 17 has no {@code Float.floatToFloat16} (added in Java 20). Encoding
 * rounds to nearest, ties to even (what {@code __float2half_rn} / {@code __float2bfloat16_rn}
 * do), overflows to infinity, keeps signed zeros, produces fp16 subnormals, and maps NaN to a
 * quiet NaN of the same sign.
 */
public enum HalfPrecision {
    /** IEEE-754 binary16: 1 sign, 5 exponent, 10 mantissa bits. */
    FP16 {
        @Override
        public short fromFloat(float f) {
            int x = Float.floatToRawIntBits(f);
            int sign = (x >>> 16) & 0x8000;
            int exp = (x >>> 23) & 0xFF;
            int mant = x & 0x7F_FFFF;
            if (exp == 0xFF) {
                // Keep the top payload bits, force the quiet bit so the result stays a NaN.
                return (short) (sign | 0x7C00 | (mant == 0 ? 0 : 0x200 | mant >>> 13));
            }
            int e = exp - 127 + 15; // half-precision biased exponent
            if (e >= 31) {
                return (short) (sign | 0x7C00);
            }
            if (e <= 0) {
                // Result is subnormal (or zero): value = mant24 * 2^(e-15-23), unit 2^-24.
                if (e < -10) {
                    return (short) sign; // below half of the smallest subnormal
                }
                int m = mant | 0x80_0000;
                int shift = 14 - e;
                return (short) (sign | roundShift(m, shift));
            }
            // Normal: drop 13 mantissa bits; a carry out of the mantissa correctly bumps the
            // exponent, up to infinity.
            return (short) (sign | roundShift((e << 23) | mant, 13));
        }

        @Override
        public float toFloat(short bits) {
            return Float16.toFloat(bits);
        }
    },

    /** bfloat16: the top 16 bits of an fp32 (1 sign, 8 exponent, 7 mantissa bits). */
    BF16 {
        @Override
        public short fromFloat(float f) {
            int x = Float.floatToRawIntBits(f);
            if ((x & 0x7FFF_FFFF) > 0x7F80_0000) {
                return (short) ((x >>> 16) | 0x40); // quiet NaN, same sign
            }
            return (short) roundShift(x, 16);
        }

        @Override
        public float toFloat(short bits) {
            return Float.intBitsToFloat((bits & 0xFFFF) << 16);
        }
    };

    /** The 16-bit pattern nearest to {@code f} (ties to even). */
    public abstract short fromFloat(float f);

    /** The exact fp32 value of a 16-bit pattern. */
    public abstract float toFloat(short bits);

    /** {@code f} rounded to this precision and back: the value a kernel actually multiplies. */
    public float round(float f) {
        return toFloat(fromFloat(f));
    }

    /** Lower-case name used in kernel symbols and file names ("f16", "bf16"). */
    public String kernelName() {
        return this == FP16 ? "f16" : "bf16";
    }

    /**
     * {@code value >>> shift} rounded to nearest, ties to even, with {@code value} read as
     * unsigned (the callers keep the sign bit out of the way or want it carried along).
     */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
