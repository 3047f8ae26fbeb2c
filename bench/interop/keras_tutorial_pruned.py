#!/usr/bin/env python3
"""The tutorial's PRUNED run in Keras, with TFMOT's pruning semantics emulated by a callback
(TFMOT itself is not installable here): the Keras twin of `./sparse24 tutorial --seed S`.

    python3 bench/interop/keras_tutorial_pruned.py SEED [MNIST_DIR] [INIT_DIR]

INIT_DIR (optional): start from these initial weights instead of Keras's own, e.g. the init/
folder a `TrainingStepsDump OUT MNIST 1 0.4 SEED pruned` wrote (Sparse24's initial weights for
that seed); SEED then only drives Keras's shuffling and dropout.

The callback (tfmot_emulation.py) does what TFMOT's PruneLowMagnitude + UpdatePruningStep do.
"""
import sys, gzip, numpy as np, time, os
import tensorflow as tf, keras
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfmot_emulation import TfmotPruning
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
conv1 = keras.layers.Conv2D(32, 5, padding='same', activation='relu')
conv2 = keras.layers.Conv2D(64, 5, padding='same')
dense1 = keras.layers.Dense(1024, activation='relu')
model = keras.Sequential([
  keras.Input((28,28,1)),
  conv1,
  keras.layers.MaxPooling2D((2,2),(2,2), padding='same'),
  conv2,
  keras.layers.BatchNormalization(),
  keras.layers.ReLU(),
  keras.layers.MaxPooling2D((2,2),(2,2), padding='same'),
  keras.layers.Flatten(),
  dense1,
  keras.layers.Dropout(0.4),
  keras.layers.Dense(10)])

if len(sys.argv) > 3:
    import glob
    files = sorted(glob.glob(os.path.join(sys.argv[3], "*.f32")))
    weights = model.get_weights()
    assert len(files) == len(weights), (len(files), len(weights))
    model.set_weights([np.fromfile(f, "<f4").reshape(w.shape) for f, w in zip(files, weights)])
    print("initial weights from", sys.argv[3])
model.compile(optimizer='adam', loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
t = time.time()
model.fit(xtr, ytr, batch_size=128, epochs=2, validation_split=0.1, verbose=2, callbacks=[TfmotPruning([conv2, dense1], {conv1: (0.5, 0, 100)})])
print("train_seconds", time.time() - t)
for layer in (conv1, conv2, dense1):
    w = layer.kernel.numpy(); g = np.moveaxis(w, -2, -1)
    g = g.reshape(-1, 4) if g.shape[-1] % 4 == 0 else None
    print(layer.name, "sparsity %.4f" % (1 - np.count_nonzero(w) / w.size),
          "" if g is None else "groups with > 2 non-zeros: %d" % int(((g != 0).sum(1) > 2).sum()))
print("test", model.evaluate(xte, yte, verbose=0))
