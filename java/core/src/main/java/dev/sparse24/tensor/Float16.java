package dev.sparse24.tensor;

/**
 * IEEE-754 binary16 (half precision: 1 sign, 5 exponent, 10 mantissa bits) decoded to float32.
 *
 * <p>Why hand-written: Java 17 has no {@code Float.float16ToFloat} (added in Java 20). The one
 * decoder of the project: TFLite float16 constants are read with it, and the CUDA operand type
 * ({@code runtime.cuda.HalfPrecision.FP16}) decodes through it.
 */
public final class Float16 {
    private Float16() {
    }

    /**
     * The exact float32 value of a binary16 bit pattern: subnormals, signed zeros and
     * infinities are kept; a NaN stays a NaN with its payload's top bits.
     */
    public static float toFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | mant << 13);
        }
        if (exp == 0) {
            // Subnormal: mant * 2^-24, exact in fp32.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | (exp - 15 + 127) << 23 | mant << 13);
    }
}
