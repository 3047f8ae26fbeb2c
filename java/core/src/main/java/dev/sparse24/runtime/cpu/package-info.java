/**
 * CPU inference: the compiled plan of a whole graph behind
 * {@link dev.sparse24.runtime.InferenceSession}, and the 2:4 sparse GEMM it runs.
 *
 * <ul>
 *   <li>Plan and execution: {@link dev.sparse24.runtime.cpu.ExecutionPlan} (one step per operator,
 *       shapes from {@link dev.sparse24.graph.ShapeInference}), {@code WorkspacePool} /
 *       {@code Workspace} (scratch memory), {@link dev.sparse24.runtime.cpu.CpuExecutor}
 *       (scheduling over the worker pool, binding caller buffers, cancellation through
 *       {@code RunControl}), {@code StepProfile} (per-step times when profiling).</li>
 *   <li>Steps: {@code GemmStep} (FULLY_CONNECTED / CONV_2D as one GEMM: im2col, 2:4 or OpenBLAS,
 *       bias/activation), {@code JavaSteps} (the other operators in Java).</li>
 * </ul>
 *
 * <p>Naming: the operation is the <b>2:4 sparse GEMM</b>, {@code Y = act(X W^T + bias)} with W
 * 2:4-compressed. On the Java CPU side every class carries that name:
 * {@link dev.sparse24.runtime.cpu.SparseGemm} (kernel choice and checked calls),
 * {@code SparseGemmPacking} (the weights in the kernels' layout),
 * {@link dev.sparse24.runtime.cpu.SparseGemmReference} (plain-Java reference: the oracle of the
 * tests and the fallback when the native library cannot load). The native side carries the same
 * name: files {@code native/sparse_gemm_*.h}, entry point {@code s24_gemm}, bound by
 * {@code NativeSparseGemm} (also the name of the JNI library {@code libjniNativeSparseGemm.so});
 * so does the CUDA side: {@code cuda/sparse_gemm_*.cu}, kernels {@code s24_sparse_gemm_*},
 * planned by {@code runtime.cuda.SparseGemmPlan}.
 */
package dev.sparse24.runtime.cpu;
