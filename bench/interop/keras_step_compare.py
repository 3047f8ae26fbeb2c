#!/usr/bin/env python3
"""Replays a TrainingStepsDump run in Keras: same initial weights, same batches, same optimizer.

    java -cp bench/target/benchmarks.jar dev.sparse24.bench.interop.TrainingStepsDump OUT MNIST_DIR 400 0.0
    python3 bench/interop/keras_step_compare.py OUT MNIST_DIR

Builds the tutorial's model in Keras (Dropout at the dumped run's rate; use 0.0 for a step-exact
comparison, since the two libraries draw different dropout masks), loads OUT/init/*.f32, trains
with Adam() and SparseCategoricalCrossentropy(from_logits=True) on the same images in the same
order (batch 128, no shuffling), then prints the running loss of both every 50 steps, the
largest parameter differences, and both test results. Exit status 1 when a running loss differs
by more than --tol (relative).
"""
import argparse
import glob
import gzip
import os
import sys

import numpy as np


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def find(directory, prefix):
    return os.path.join(directory, [n for n in sorted(os.listdir(directory)) if n.startswith(prefix)][0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("mnist")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--tol", type=float, default=5e-3)
    args = ap.parse_args()
    import keras
    ours = np.genfromtxt(os.path.join(args.dump, "steps.csv"), delimiter=",", names=True)
    steps = len(ours)
    x = read_idx(find(args.mnist, "train-images")).astype(np.float32)[:steps * 128, ..., None] / 255.0
    y = read_idx(find(args.mnist, "train-labels"))[:steps * 128]
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 5, padding="same", activation="relu"),
        keras.layers.MaxPooling2D((2, 2), (2, 2), padding="same"),
        keras.layers.Conv2D(64, 5, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D((2, 2), (2, 2), padding="same"),
        keras.layers.Flatten(),
        keras.layers.Dense(1024, activation="relu"),
        keras.layers.Dropout(args.dropout),
        keras.layers.Dense(10)])
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

    model.fit(x, y, batch_size=128, epochs=1, shuffle=False, verbose=0, callbacks=[Record()])
    worst = 0.0
    print("step  sparse24_running_loss  keras_running_loss")
    for i in range(steps):
        rel = abs(ours["running_loss"][i] - losses[i]) / abs(losses[i])
        worst = max(worst, rel)
        if i % 50 == 49 or i == steps - 1 or i < 3:
            print(f"{i:4d}  {ours['running_loss'][i]:.7f}  {losses[i]:.7f}")
    print(f"largest relative running-loss difference over {steps} steps: {worst:.2e} (tolerance {args.tol:g})")
    for f, w in zip(sorted(glob.glob(os.path.join(args.dump, "after", "*.f32"))), model.get_weights()):
        v = np.fromfile(f, "<f4").reshape(w.shape)
        print(f"  {os.path.basename(f):24s} max|diff| {np.abs(v - w).max():.3g}  max|keras| {np.abs(w).max():.3g}")
    xt = read_idx(find(args.mnist, "t10k-images")).astype(np.float32)[..., None] / 255.0
    yt = read_idx(find(args.mnist, "t10k-labels"))
    loss, acc = model.evaluate(xt, yt, verbose=0, batch_size=500)
    print(f"test: Keras loss {loss:.4f} accuracy {acc:.4f}; Sparse24 (loss accuracy) {open(os.path.join(args.dump, 'test.txt')).read().strip()}")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
