#!/usr/bin/env python3
"""Reads a .tflite that Sparse24 wrote with TensorFlow's own tools and checks what it computes.

Not part of CI (TensorFlow is not a build dependency). Run it where `import tensorflow` works:

    python3 bench/interop/tflite_tensorflow_check.py MODEL.tflite --mnist DIR [--ours OUT.f32]

1. tf.lite.experimental.Analyzer prints the model's structure as TensorFlow parses it.
2. tf.lite.Interpreter allocates it and runs the 10,000 MNIST test images (pixels / 255).
3. With --ours (the raw float32 outputs `sparse24 run MODEL --mnist 10000 --output OUT.f32`
   wrote), it compares TensorFlow's logits with Sparse24's runtime, image by image.
Exit status 0 when TensorFlow reads and runs the file (and, with --ours, every arg-max agrees
and the largest logit difference is below --tol), 1 otherwise.
"""
import argparse
import gzip
import os
import sys

import numpy as np


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def find(directory, prefix):
    for name in sorted(os.listdir(directory)):
        if name.startswith(prefix):
            return os.path.join(directory, name)
    sys.exit(f"no {prefix}* file in {directory}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--mnist", required=True, help="directory with the MNIST IDX files")
    ap.add_argument("--ours", help="Sparse24's raw little-endian float32 outputs for the same images")
    ap.add_argument("--tol", type=float, default=1e-3, help="largest allowed |logit difference|")
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()

    import tensorflow as tf
    print("TensorFlow", tf.__version__)
    tf.lite.experimental.Analyzer.analyze(model_path=args.model)

    images = read_idx(find(args.mnist, "t10k-images")).astype(np.float32) / 255.0
    labels = read_idx(find(args.mnist, "t10k-labels")).astype(np.int64)
    interp = tf.lite.Interpreter(model_path=args.model)
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    shape = list(inp["shape"])
    print("input", inp["name"], shape, inp["dtype"].__name__, "output", out["name"], list(out["shape"]))
    logits = []
    for b0 in range(0, len(images), args.batch):
        x = images[b0:b0 + args.batch]
        interp.resize_tensor_input(inp["index"], [len(x)] + shape[1:])
        interp.allocate_tensors()
        interp.set_tensor(inp["index"], x.reshape([len(x)] + shape[1:]))
        interp.invoke()
        logits.append(interp.get_tensor(out["index"]).reshape(len(x), -1).copy())
    logits = np.concatenate(logits)
    accuracy = float((logits.argmax(1) == labels).mean())
    print(f"TensorFlow Lite accuracy on {len(labels)} MNIST test images: {accuracy:.4f}")
    ok = True
    if args.ours:
        ours = np.fromfile(args.ours, "<f4")
        if ours.size != logits.size:
            print(f"--ours holds {ours.size} values, TensorFlow gave {logits.size}")
            return 1
        ours = ours.reshape(logits.shape)
        diff = float(np.abs(ours - logits).max())
        agree = int((ours.argmax(1) == logits.argmax(1)).sum())
        ours_acc = float((ours.argmax(1) == labels).mean())
        print(f"Sparse24 runtime accuracy: {ours_acc:.4f}; arg-max agrees on {agree} of {len(labels)}; "
              f"largest |logit difference| {diff:.3g} (tolerance {args.tol:g})")
        ok = agree == len(labels) and diff < args.tol
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
