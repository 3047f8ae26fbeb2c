"""Writes a small converter-made TFLite model whose input is uint8 (raw MNIST pixels) and the
TensorFlow Lite interpreter's logits for the first 8 MNIST test images, as a Java test fixture.

    python make_uint8_input_model.py MNIST_DIR OUT_DIR

The model is Keras: uint8 [28,28,1] -> Rescaling(1/255) -> Conv2D(8, 3, relu) -> MaxPool(2)
-> Flatten -> Dense(10), seeded random weights (no training: the test compares logits with
the interpreter, not accuracy). The converter turns the uint8 input into CAST + MUL (+ ADD).
"""
import gzip
import os
import sys

import numpy as np
import tensorflow as tf


def mnist_images(d, n):
    for name in ("t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", "t10k-images.idx3-ubyte"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            raw = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            return np.frombuffer(raw, np.uint8, offset=16)[: n * 784].reshape(n, 28, 28, 1)
    raise SystemExit("no MNIST test images in " + d)


def main():
    mnist_dir, out = sys.argv[1], sys.argv[2]
    tf.keras.utils.set_random_seed(24)
    inp = tf.keras.Input(shape=(28, 28, 1), dtype="uint8", name="pixels")
    x = tf.keras.layers.Rescaling(1.0 / 255)(inp)
    x = tf.keras.layers.Conv2D(8, 3, activation="relu")(x)
    x = tf.keras.layers.MaxPooling2D(2)(x)
    x = tf.keras.layers.Flatten()(x)
    y = tf.keras.layers.Dense(10)(x)
    model = tf.keras.Model(inp, y)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    blob = conv.convert()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "uint8_input.tflite"), "wb") as f:
        f.write(blob)
    images = mnist_images(mnist_dir, 8)
    it = tf.lite.Interpreter(model_content=blob)
    detail = it.get_input_details()[0]
    it.resize_tensor_input(detail["index"], [8, 28, 28, 1])
    it.allocate_tensors()
    it.set_tensor(detail["index"], images)
    it.invoke()
    logits = it.get_tensor(it.get_output_details()[0]["index"])
    np.savetxt(os.path.join(out, "uint8_input.logits.txt"), logits, fmt="%.9g")
    print("input", detail["dtype"], detail["shape"], "ops",
          [o["op_name"] for o in tf.lite.Interpreter(model_content=blob)._get_ops_details()])
    print("TensorFlow", tf.__version__, "bytes", len(blob))


if __name__ == "__main__":
    main()
