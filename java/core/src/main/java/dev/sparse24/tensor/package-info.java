/** Shapes, off-heap float32 tensors and the BLAS entry point used by every layer. */
package dev.sparse24.tensor;
