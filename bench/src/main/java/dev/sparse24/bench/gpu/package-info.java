/**
 * The GPU workbench's Java half: writes the test vectors that {@code bench/gpu/sparse24_gpu.py}
 * checks our CUDA kernels against on a GPU machine that has no Java.
 */
package dev.sparse24.bench.gpu;
