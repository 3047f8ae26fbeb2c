#!/usr/bin/env python3
"""The tutorial's model, unpruned, trained the tutorial's way in Keras: the reference that
Sparse24's `./sparse24 tutorial --dense --seed S` is compared with on the same machine.

    python3 bench/interop/keras_tutorial_dense.py SEED [MNIST_DIR]

(TFMOT is not installable here, so the pruned run has no Keras twin; the unpruned one shows what
Keras itself reaches on this data and machine.)
"""
import sys, gzip, numpy as np, time, os
import tensorflow as tf, keras
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
keras.utils.set_random_seed(seed)
def idx(p):
    with gzip.open(p) as f: d = f.read()
    nd = d[3]; dims = [int.from_bytes(d[4+4*i:8+4*i], 'big') for i in range(nd)]
    return np.frombuffer(d, np.uint8, offset=4+4*nd).reshape(dims)
D = (sys.argv[2] if len(sys.argv) > 2 else '../shared/data/mnist').rstrip('/') + '/'
names = sorted(os.listdir(D))
def f(pfx): return D + [n for n in names if n.startswith(pfx)][0]
xtr = idx(f('train-images')).astype(np.float32)/255.0; ytr = idx(f('train-labels'))
xte = idx(f('t10k-images')).astype(np.float32)/255.0; yte = idx(f('t10k-labels'))
xtr = xtr[..., None]; xte = xte[..., None]
model = keras.Sequential([
  keras.Input((28,28,1)),
  keras.layers.Conv2D(32, 5, padding='same', activation='relu'),
  keras.layers.MaxPooling2D((2,2),(2,2), padding='same'),
  keras.layers.Conv2D(64, 5, padding='same'),
  keras.layers.BatchNormalization(),
  keras.layers.ReLU(),
  keras.layers.MaxPooling2D((2,2),(2,2), padding='same'),
  keras.layers.Flatten(),
  keras.layers.Dense(1024, activation='relu'),
  keras.layers.Dropout(0.4),
  keras.layers.Dense(10)])
model.compile(optimizer='adam', loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
t = time.time()
model.fit(xtr, ytr, batch_size=128, epochs=2, validation_split=0.1, verbose=2)
print("train_seconds", time.time() - t)
print("test", model.evaluate(xte, yte, verbose=0))
