/**
 * Host-side (GPU-free) half of the CUDA backend: fp16/bf16 conversion, re-packing of
 * {@link dev.sparse24.sparse.CompressedWeights} into the per-lane fragment layout our
 * {@code mma.sp} kernels read ({@link dev.sparse24.runtime.cuda.LanePackedWeights}), the
 * launch-shape selection of those kernels ({@link dev.sparse24.runtime.cuda.SparseGemmPlan}),
 * and a Java emulator of one warp-wide {@code mma.sp m16n8k32}
 * ({@link dev.sparse24.runtime.cuda.MmaSpEmulator}) that tests the packing without a GPU.
 * The kernels themselves are in the repository's {@code cuda/} directory.
 */
package dev.sparse24.runtime.cuda;
