/**
 * TFMOT-style pruning during training: {@link dev.sparse24.prune.PruneLowMagnitude} wraps a
 * Conv2D/Dense layer and masks its kernel, {@link dev.sparse24.prune.UpdatePruningStep} drives
 * the pruning step from the training loop, {@link dev.sparse24.prune.PruningParams} chooses
 * m-by-n (2:4) or a {@link dev.sparse24.prune.PruningSchedule}
 * ({@link dev.sparse24.prune.ConstantSparsity}, {@link dev.sparse24.prune.PolynomialDecay}),
 * and {@link dev.sparse24.prune.Pruning} wraps, strips and reports.
 *
 * <p>The semantics follow TFMOT exactly (docs/tfmot-semantics.md): steps count from 1,
 * an m-by-n mask is computed once at step 1 and never again, schedules prune when
 * {@code (step - begin) % frequency == 0} within their range. Beyond TFMOT: a layer an m-by-n
 * pattern cannot prune is reported (warning, or an error in strict mode).
 */
package dev.sparse24.prune;
