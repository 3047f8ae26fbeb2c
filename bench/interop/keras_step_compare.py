#!/usr/bin/env python3
"""Replays a TrainingStepsDump run in Keras: same initial weights, same batches, same optimizer.

    java -cp bench/target/benchmarks.jar dev.sparse24.bench.interop.TrainingStepsDump OUT MNIST_DIR 400 0.0
    python3 bench/interop/keras_step_compare.py OUT MNIST_DIR

    # pruned as the tutorial prunes (TFMOT's semantics emulated by tfmot_emulation.py):
    java -cp ... TrainingStepsDump OUT MNIST_DIR 400 0.0 1 pruned
    python3 bench/interop/keras_step_compare.py OUT MNIST_DIR --pruned

Builds the tutorial's model in Keras (Dropout at the dumped run's rate; use 0.0 for a step-exact
comparison, since the two libraries draw different dropout masks), loads OUT/init/*.f32, trains
with Adam() and SparseCategoricalCrossentropy(from_logits=True) on the same images in the same
order (batch 128, no shuffling), then prints the running loss of both every 50 steps, the
largest parameter differences, and both test results. Exit status 1 when a running loss differs
by more than --tol (relative).
"""
import argparse
import glob
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tutorial_keras import build_model, find, read_idx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("mnist")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--tol", type=float, default=5e-3)
    ap.add_argument("--pruned", action="store_true",
                    help="conv1 ConstantSparsity(0.5, 0), conv2 and dense1 2:4, as the tutorial")
    args = ap.parse_args()
    import keras
    ours = np.genfromtxt(os.path.join(args.dump, "steps.csv"), delimiter=",", names=True)
    steps = len(ours)
    perms = sorted(glob.glob(os.path.join(args.dump, "perm_*.i32")))
    limit = None if perms else steps * 128
    x = read_idx(find(args.mnist, "train-images")).astype(np.float32)[:limit, ..., None] / 255.0
    y = read_idx(find(args.mnist, "train-labels"))[:limit]
    model, conv1, conv2, dense1 = build_model(args.dropout)
    files = sorted(glob.glob(os.path.join(args.dump, "init", "*.f32")))
    weights = model.get_weights()
    assert len(files) == len(weights), (len(files), len(weights))
    model.set_weights([np.fromfile(f, "<f4").reshape(w.shape) for f, w in zip(files, weights)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    losses = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(logs["loss"])

    callbacks = [Record()]
    if args.pruned:
        from tfmot_emulation import TfmotPruning
        pruning = TfmotPruning([conv2, dense1], {conv1: (0.5, 0, 100)})
        callbacks.insert(0, pruning)
    if not perms:
        model.fit(x, y, batch_size=128, epochs=1, shuffle=False, verbose=0, callbacks=callbacks)
    for e, f in enumerate(perms):
        # The dump's pipeline mode: one fit per epoch on the recorded order, last 10% validation.
        perm = np.fromfile(f, "<i4")
        h = model.fit(x[perm], y[perm], batch_size=128, epochs=1, shuffle=False, validation_split=0.1,
                      verbose=0, callbacks=callbacks)
        print(f"epoch {e + 1}: Keras {h.history}")
    worst = 0.0
    print("step  sparse24_running_loss  keras_running_loss")
    for i in range(steps):
        rel = abs(ours["running_loss"][i] - losses[i]) / abs(losses[i])
        worst = max(worst, rel)
        if i % 50 == 49 or i == steps - 1 or i < 3:
            print(f"{i:4d}  {ours['running_loss'][i]:.7f}  {losses[i]:.7f}")
    print(f"largest relative running-loss difference over {steps} steps: {worst:.2e} (tolerance {args.tol:g})")
    signed = (np.asarray(ours["running_loss"]) - np.asarray(losses)) / np.abs(np.asarray(losses))
    for a in range(0, steps, 100):
        print(f"  steps {a}-{min(a + 100, steps) - 1}: mean signed (Sparse24 - Keras) / Keras {signed[a:a + 100].mean():+.2e}")
    np.savetxt(os.path.join(args.dump, "keras_steps.csv"), np.asarray(losses), fmt="%.7f")
    for f, w in zip(sorted(glob.glob(os.path.join(args.dump, "after", "*.f32"))), model.get_weights()):
        v = np.fromfile(f, "<f4").reshape(w.shape)
        print(f"  {os.path.basename(f):24s} max|diff| {np.abs(v - w).max():.3g}  max|keras| {np.abs(w).max():.3g}")
    if args.pruned:
        for f, layer in zip(sorted(glob.glob(os.path.join(args.dump, "masks", "*.f32"))), (conv1, conv2, dense1)):
            ours_mask = np.fromfile(f, "<f4").reshape(layer.kernel.shape)
            # No mask yet (e.g. conv1 before step 100) means all ones, as TFMOT's initial mask.
            keras_mask = pruning.masks.get(layer.name, np.ones_like(ours_mask))
            print(f"  mask {layer.name:10s} sparsity Sparse24 {1 - ours_mask.mean():.4f} Keras {1 - keras_mask.mean():.4f}, "
                  f"{int((ours_mask != keras_mask).sum())} of {ours_mask.size} entries differ")
    xt = read_idx(find(args.mnist, "t10k-images")).astype(np.float32)[..., None] / 255.0
    yt = read_idx(find(args.mnist, "t10k-labels"))
    loss, acc = model.evaluate(xt, yt, verbose=0, batch_size=500)
    print(f"test: Keras loss {loss:.4f} accuracy {acc:.4f}; Sparse24 (loss accuracy) {open(os.path.join(args.dump, 'test.txt')).read().strip()}")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
