#!/usr/bin/env python3
"""The tutorial's model, unpruned, trained the tutorial's way in Keras: the reference that
Sparse24's `./sparse24 tutorial --dense --seed S` is compared with on the same machine.

    python3 bench/interop/keras_tutorial_dense.py SEED [MNIST_DIR]
"""
import os
import sys
import time

import keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tutorial_keras import build_model, load_mnist  # noqa: E402

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
keras.utils.set_random_seed(seed)
xtr, ytr, xte, yte = load_mnist(sys.argv[2] if len(sys.argv) > 2 else "../shared/data/mnist")
model = build_model()[0]
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
t = time.time()
model.fit(xtr, ytr, batch_size=128, epochs=2, validation_split=0.1, verbose=2)
print("train_seconds", time.time() - t)
print("test", model.evaluate(xte, yte, verbose=0))
