/**
 * CPU inference kernels: the 2:4 sparse GEMM ({@link dev.sparse24.runtime.cpu.SparseGemm})
 * over native AVX-512 / AVX2 / scalar kernels (native/, built by JavaCPP's Builder), with a
 * plain-Java reference ({@link dev.sparse24.runtime.cpu.SparseGemmReference}) as oracle and
 * fallback; and the compiled execution plan of a whole graph
 * ({@link dev.sparse24.runtime.cpu.CpuExecutor}, shapes from
 * {@link dev.sparse24.graph.ShapeInference}) behind {@link dev.sparse24.runtime.InferenceSession}.
 */
package dev.sparse24.runtime.cpu;
