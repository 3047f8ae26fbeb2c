package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseGemmPlanTest {

    @Test
    void batchOneOn4096SquareStreamsWithEightSplits() {
        // 128 row blocks -> 32 CTAs of 128 rows; 32 k chunks; 2*132 SMs / 32 -> 9 wanted,
        // 32 chunks / 9 -> 4 chunks per split -> 8 splits.
        SparseGemmPlan p = SparseGemmPlan.choose(4096, 4096, 1, 132);
        assertEquals(SparseGemmPlan.Kernel.SMALL_BATCH, p.kernel());
        assertEquals(8, p.nTile());
        assertEquals(32, p.gridX());
        assertEquals(8, p.gridY());
        assertEquals(8, p.splits());
        assertEquals(4, p.unitsPerSplit());
        assertEquals(128, p.threads());
        assertEquals(2 * 8 * 128 * 2, p.sharedBytes());
        assertEquals(8L * 1 * 4096 * 4, p.workspaceBytes());
        assertEquals(32, p.counters());
        assertEquals("s24_sparse_gemm_small_n8_f16", p.symbol(HalfPrecision.FP16));
        assertEquals(0, SparseGemmPlan.Output.F32.code());
        assertEquals(2, SparseGemmPlan.Output.BF16.code());
    }

    @Test
    void batch64IsCappedByPartialSumTraffic() {
        // cap = 16 * 32 / 64 = 8 splits; wanted 9 -> 8; 4 chunks each.
        SparseGemmPlan p = SparseGemmPlan.choose(4096, 4096, 64, 132);
        assertEquals(64, p.nTile());
        assertEquals(8, p.splits());
        assertEquals(2 * 64 * 128 * 2, p.sharedBytes());
        assertEquals("s24_sparse_gemm_small_n64_bf16", p.symbol(HalfPrecision.BF16));
    }

    @Test
    void largeBatchUsesTheTiledKernelWithoutSplits() {
        SparseGemmPlan p = SparseGemmPlan.choose(4096, 4096, 4096, 132);
        assertEquals(SparseGemmPlan.Kernel.TILED, p.kernel());
        assertEquals(32, p.gridX());
        assertEquals(32, p.gridY());
        assertEquals(1, p.gridZ());
        assertEquals(64, p.unitsPerSplit());
        assertEquals(0, p.workspaceBytes());
        assertEquals(0, p.counters());
        assertEquals(256, p.threads());
        assertEquals(4 * (8192 + 1024 + 16384), p.sharedBytes());
        assertEquals("s24_sparse_gemm_tiled_f16", p.symbol(HalfPrecision.FP16));
    }

    @Test
    void mediumBatchSplitsTheTiledKernelToFillTheSms() {
        // 32 x 2 = 64 tiles < 132 SMs -> ceil(132/64) = 3 splits of ceil(64/3) = 22 halves.
        SparseGemmPlan p = SparseGemmPlan.choose(4096, 4096, 256, 132);
        assertEquals(3, p.splits());
        assertEquals(3, p.gridZ());
        assertEquals(22, p.unitsPerSplit());
        assertEquals(64, p.counters());
        assertEquals(3L * 256 * 4096 * 4, p.workspaceBytes());
    }

    @Test
    void everyPlanCoversAllOfKWithNoEmptySplit() {
        int[] ms = {1, 3, 17, 100, 4096, 11008};
        int[] ks = {1, 45, 200, 4096, 11008};
        int[] ns = {1, 7, 8, 9, 33, 64, 65, 256, 4096};
        for (int m : ms) {
            for (int k : ks) {
                for (int n : ns) {
                    SparseGemmPlan p = SparseGemmPlan.choose(m, k, n, 132);
                    int units = (k + 127) / 128 * (p.kernel() == SparseGemmPlan.Kernel.TILED ? 2 : 1);
                    String at = m + "x" + k + " n=" + n;
                    assertTrue(p.splits() * p.unitsPerSplit() >= units, at);
                    assertTrue((p.splits() - 1) * p.unitsPerSplit() < units, at);
                    assertTrue(p.gridX() * 128 >= m, at);
                    assertTrue(p.nTile() * (p.kernel() == SparseGemmPlan.Kernel.TILED ? p.gridY() : 1) >= n, at);
                    assertTrue(p.sharedBytes() <= (p.kernel() == SparseGemmPlan.Kernel.TILED ? 163 * 1024 : 48 * 1024), at);
                    assertEquals(p.splits() > 1, p.workspaceBytes() > 0, at);
                }
            }
        }
    }

    @Test
    void refusesNonPositiveSizes() {
        assertThrows(IllegalArgumentException.class, () -> SparseGemmPlan.choose(0, 4, 1, 132));
        assertThrows(IllegalArgumentException.class, () -> SparseGemmPlan.choose(4, 4, 1, 0));
    }
}
