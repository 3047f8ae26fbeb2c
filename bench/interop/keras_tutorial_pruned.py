#!/usr/bin/env python3
"""The tutorial's PRUNED run in Keras, with TFMOT's pruning semantics emulated by a callback
(TFMOT itself is not installable here): the Keras twin of `./sparse24 tutorial --seed S`.

    python3 bench/interop/keras_tutorial_pruned.py SEED [MNIST_DIR] [INIT_DIR]

INIT_DIR (optional): start from these initial weights instead of Keras's own, e.g. the init/
folder a `TrainingStepsDump OUT MNIST 1 0.4 SEED pruned` wrote (Sparse24's initial weights for
that seed); SEED then only drives Keras's shuffling and dropout.

The callback (tfmot_emulation.py) does what TFMOT's PruneLowMagnitude + UpdatePruningStep do.
"""
import glob
import os
import sys
import time

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfmot_emulation import TfmotPruning  # noqa: E402
from tutorial_keras import build_model, load_mnist  # noqa: E402

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
keras.utils.set_random_seed(seed)
xtr, ytr, xte, yte = load_mnist(sys.argv[2] if len(sys.argv) > 2 else "../shared/data/mnist")
model, conv1, conv2, dense1 = build_model()
if len(sys.argv) > 3:
    files = sorted(glob.glob(os.path.join(sys.argv[3], "*.f32")))
    weights = model.get_weights()
    assert len(files) == len(weights), (len(files), len(weights))
    model.set_weights([np.fromfile(f, "<f4").reshape(w.shape) for f, w in zip(files, weights)])
    print("initial weights from", sys.argv[3])
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
t = time.time()
model.fit(xtr, ytr, batch_size=128, epochs=2, validation_split=0.1, verbose=2,
          callbacks=[TfmotPruning([conv2, dense1], {conv1: (0.5, 0, 100)})])
print("train_seconds", time.time() - t)
for layer in (conv1, conv2, dense1):
    w = layer.kernel.numpy()
    g = np.moveaxis(w, -2, -1)
    g = g.reshape(-1, 4) if g.shape[-1] % 4 == 0 else None
    print(layer.name, "sparsity %.4f" % (1 - np.count_nonzero(w) / w.size),
          "" if g is None else "groups with > 2 non-zeros: %d" % int(((g != 0).sum(1) > 2).sum()))
print("test", model.evaluate(xte, yte, verbose=0))
