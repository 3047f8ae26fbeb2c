package dev.sparse24.runtime.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The constants Java mirrors from native/sparse24_gemm.h agree with the compiled library's: a
 * drifted GATHER_MAX_BATCH would skip the K-blocked weight copy for batches that use the
 * broadcast kernel, a drifted strategy or ISA code would run the wrong kernel.
 */
class NativeSparseGemmTest {
    @Test
    void javaAndNativeConstantsAgree() {
        assumeTrue(NativeLibrary.available(), "native kernels not loaded: " + NativeLibrary.failure());
        assertEquals(SparseGemm.GATHER_MAX_BATCH, NativeSparseGemm.s24_constant(0), "GATHER_MAX_BATCH");
        assertEquals(SparseGemm.Strategy.AUTO.code(), NativeSparseGemm.s24_constant(1), "AUTO");
        assertEquals(SparseGemm.Strategy.GATHER.code(), NativeSparseGemm.s24_constant(2), "GATHER");
        assertEquals(SparseGemm.Strategy.BROADCAST.code(), NativeSparseGemm.s24_constant(3), "BROADCAST");
        assertEquals(Isa.SCALAR.nativeLevel(), NativeSparseGemm.s24_constant(4), "SCALAR");
        assertEquals(Isa.AVX2.nativeLevel(), NativeSparseGemm.s24_constant(5), "AVX2");
        assertEquals(Isa.AVX512.nativeLevel(), NativeSparseGemm.s24_constant(6), "AVX512");
        assertEquals(-1, NativeSparseGemm.s24_constant(7), "past the table");
        assertEquals(SparseGemm.Strategy.values().length, 3, "a new strategy needs a row in s24_constant");
    }
}
