#!/usr/bin/env python3
"""Writes one single-image infer request body for the tutorial model (input [-1,28,28,1] FP32).

usage: make_body.py OUT_FILE INPUT_NAME (json|binary)
  json:   {"inputs":[{"name":..., "shape":[1,28,28,1], "datatype":"FP32", "data":[784 floats]}]}
  binary: the same header with binary_data_size 3136, then 784 little-endian float32 (Triton's
          binary tensor data extension); prints the header length, which the request must send
          as Inference-Header-Content-Length.
Pixels are a fixed pseudo-random image (seed 1), so every run posts the same bytes.
"""
import json
import random
import struct
import sys

out, name, kind = sys.argv[1], sys.argv[2], sys.argv[3]
rnd = random.Random(1)
pixels = [rnd.random() for _ in range(784)]
if kind == "json":
    body = json.dumps({"inputs": [{"name": name, "shape": [1, 28, 28, 1], "datatype": "FP32",
                                   "data": [float(struct.unpack("<f", struct.pack("<f", p))[0]) for p in pixels]}]})
    open(out, "w").write(body)
    print(-1)
else:
    head = json.dumps({"inputs": [{"name": name, "shape": [1, 28, 28, 1], "datatype": "FP32",
                                   "parameters": {"binary_data_size": 784 * 4}}],
                       "outputs": [{"name": "dense", "parameters": {"binary_data": False}}]}).encode()
    open(out, "wb").write(head + struct.pack("<784f", *pixels))
    print(len(head))
