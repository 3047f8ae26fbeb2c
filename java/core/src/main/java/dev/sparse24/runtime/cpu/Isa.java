package dev.sparse24.runtime.cpu;

/**
 * Instruction-set level of the CPU kernels, from narrowest to widest. {@link #best()} is what
 * this CPU and build run; tests and benchmarks force a narrower one through
 * {@link SparseGemm.Builder#isa(Isa)}.
 */
public enum Isa {
    /** The plain-Java reference (no native code): the oracle and last-resort fallback. */
    JAVA(-1),
    /** Native scalar C++, any x86-64. */
    SCALAR(0),
    /** Native AVX2 + FMA (8-float vectors). */
    AVX2(1),
    /** Native AVX-512F (16-float vectors, vpermt2ps gathers). */
    AVX512(2);

    private final int nativeLevel;

    Isa(int nativeLevel) {
        this.nativeLevel = nativeLevel;
    }

    int nativeLevel() {
        return nativeLevel;
    }

    static Isa fromNativeLevel(int level) {
        for (Isa i : values()) {
            if (i.nativeLevel == level) {
                return i;
            }
        }
        throw new IllegalStateException("unknown native ISA level " + level);
    }

    /** The widest level usable here: the CPU's best native level, or JAVA without the library. */
    public static Isa best() {
        return NativeLibrary.cpuIsa();
    }

    /** Whether this level can run here (JAVA always can). */
    public boolean isSupported() {
        return this == JAVA || (NativeLibrary.available() && nativeLevel <= best().nativeLevel);
    }
}
