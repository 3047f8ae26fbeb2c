/**
 * The reference semantics of the graph's operators in plain Java, one implementation per op:
 * pooling, depthwise convolution, softmax, mean, element-wise unary and broadcasting binary ops,
 * and their geometry (output sizes and padding, also used by the native and CUDA steps).
 * {@link dev.sparse24.ops.ReferenceEvaluator} runs whole graphs with them (the oracle importers
 * and runtimes are tested against), and the CPU runtime runs the ops that have no native kernel
 * through the same code, so the two cannot drift apart. The GEMM-shaped ops (CONV_2D,
 * FULLY_CONNECTED) have their reference here too, written independently of the native kernels
 * they check.
 *
 * <p>Depends on {@code graph} (options, op types) and {@code tensor}; nothing in {@code graph}
 * depends on it.
 */
package dev.sparse24.ops;
