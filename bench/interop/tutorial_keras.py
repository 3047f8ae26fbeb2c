"""The tutorial's model and data for the Keras scripts here (keras_tutorial_dense.py,
keras_tutorial_pruned.py, keras_step_compare.py): one definition, so the three cannot drift."""
import gzip
import os

import numpy as np


def read_idx(path):
    """An IDX file (raw or .gz) as a numpy array."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def find(directory, prefix):
    return os.path.join(directory, [n for n in sorted(os.listdir(directory)) if n.startswith(prefix)][0])


def load_mnist(directory):
    """(train images, train labels, test images, test labels); images [N, 28, 28, 1] in [0, 1]."""
    def images(prefix):
        return read_idx(find(directory, prefix)).astype(np.float32)[..., None] / 255.0
    return (images("train-images"), read_idx(find(directory, "train-labels")),
            images("t10k-images"), read_idx(find(directory, "t10k-labels")))


def build_model(dropout=0.4):
    """The tutorial's Sequential (seed-tutorial.md step 3), unpruned; returns
    (model, conv1, conv2, dense1), the three layers the tutorial prunes."""
    import keras
    conv1 = keras.layers.Conv2D(32, 5, padding="same", activation="relu")
    conv2 = keras.layers.Conv2D(64, 5, padding="same")
    dense1 = keras.layers.Dense(1024, activation="relu")
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        conv1,
        keras.layers.MaxPooling2D((2, 2), (2, 2), padding="same"),
        conv2,
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D((2, 2), (2, 2), padding="same"),
        keras.layers.Flatten(),
        dense1,
        keras.layers.Dropout(dropout),
        keras.layers.Dense(10)])
    return model, conv1, conv2, dense1
