"""TFMOT's pruning semantics for plain Keras 3 layers (TFMOT itself is not installable here).

What `TfmotPruning` does is what TFMOT's PruneLowMagnitude + UpdatePruningStep do (docs/tfmot-semantics.md; tensorflow_model_optimization/python/core/sparsity/keras/pruning_impl.py):
  - before every training batch: step += 1; update the masks if due; weight <- weight * mask.
    m-by-n layers: the mask is computed once, at step 1, from the weights then (the newest
    pruning_impl.py: "Update structured sparsity masks only at step 1").
    Unstructured layers, ConstantSparsity(s, begin, frequency): a magnitude mask whenever
    step >= begin and (step - begin) % frequency == 0, keeping
    k = max(round_half_even(size * (1 - s)), 1) values (|w| >= the k-th largest |w|).
  - at every epoch end: weight <- weight * mask again (the epoch's last optimizer step revived
    the pruned weights; Keras validates before this, as it does with TFMOT).
Gradients reach the pruned weights (TFMOT masks by assignment, not inside the graph), Adam
keeps state for them, and the next batch zeroes them again. Masks run along the input-channel
axis in TFLite orientation, which is Keras's kernel axis -2 (HWIO 'I', Dense 'in').
"""
import numpy as np
import keras


def mask_m_by_n(w, m=2, n=4):
    """Keeps the n-m largest |w| of every n consecutive input channels (ties: lower index)."""
    a = np.moveaxis(np.abs(w), -2, -1)          # [..., out, in]
    assert a.shape[-1] % n == 0, "input channels must be a multiple of n here"
    g = a.reshape(a.shape[:-1] + (a.shape[-1] // n, n))
    order = np.argsort(-g, axis=-1, kind="stable")
    mask = np.zeros_like(g)
    np.put_along_axis(mask, order[..., :n - m], 1.0, axis=-1)
    return np.moveaxis(mask.reshape(a.shape), -1, -2).astype(np.float32)


def mask_magnitude(w, sparsity):
    a = np.abs(w).ravel()
    k = max(int(np.round(a.size * (1.0 - sparsity))), 1)   # np.round is half-to-even, as tf.round
    threshold = np.sort(a)[::-1][k - 1]
    return (np.abs(w) >= threshold).astype(np.float32)


class TfmotPruning(keras.callbacks.Callback):
    """structured: layers pruned 2:4; unstructured: {layer: (sparsity, begin, frequency)}."""

    def __init__(self, structured, unstructured):
        super().__init__()
        self.structured = list(structured)
        self.unstructured = dict(unstructured)
        self.step = 0
        self.masks = {}

    def on_train_batch_begin(self, batch, logs=None):
        self.step += 1
        if self.step == 1:
            for layer in self.structured:
                self.masks[layer.name] = mask_m_by_n(layer.kernel.numpy())
        for layer, (sparsity, begin, frequency) in self.unstructured.items():
            if self.step >= begin and (self.step - begin) % frequency == 0:
                self.masks[layer.name] = mask_magnitude(layer.kernel.numpy(), sparsity)
        self.apply()

    def on_epoch_end(self, epoch, logs=None):
        self.apply()

    def apply(self):
        for layer in self.structured + list(self.unstructured):
            if layer.name in self.masks:
                layer.kernel.assign(layer.kernel.numpy() * self.masks[layer.name])
