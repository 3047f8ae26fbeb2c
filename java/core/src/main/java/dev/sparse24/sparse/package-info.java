/**
 * Sparsity patterns and masks: {@link dev.sparse24.sparse.NmPattern} (m:n, e.g. 2:4),
 * the m-by-n mask ({@link dev.sparse24.sparse.NmMask}) and the magnitude mask for a target
 * sparsity ({@link dev.sparse24.sparse.MagnitudeMask}) with TFMOT's exact rules, the move
 * between Keras kernel layout and TFLite orientation ({@link dev.sparse24.sparse.TfLiteLayout})
 * and per-layer reports ({@link dev.sparse24.sparse.SparsityReport}).
 *
 * <p>Masks are 0/1 float tensors. m-by-n masks are computed in TFLite orientation, groups
 * running along the last (input-channel) axis, and mapped back to the Keras layout by the
 * caller. This package depends only on {@code dev.sparse24.tensor}.
 */
package dev.sparse24.sparse;
