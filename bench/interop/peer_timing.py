"""Times the CPU peers a user would pick instead of Sparse24 on the same model, as issue 13 asks:
TensorFlow Lite's interpreter (XNNPACK delegate, dense .tflite) and ONNX Runtime (CPU, dense
.onnx from `sparse24 export --onnx`), one process per runtime and thread count, back to back.

    python peer_timing.py MODEL.tflite MODEL.onnx MNIST_DIR [THREADS...]

Batch-1 latency: median of 500 single-image runs after 50 warm-ups. Throughput: the 10,000 test
images in batches of 256 after one warm-up batch, best of 3 passes (images/s). Prints one JSON
line per (runtime, threads) and the versions. Not part of CI (needs the wheel-cache venv).
"""
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np


def images(d):
    raw = gzip.open(os.path.join(d, "t10k-images-idx3-ubyte.gz")).read()
    return (np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28, 1) / 255.0).astype(np.float32)


def time_runner(run, x):
    for i in range(50):
        run(x[i:i + 1])
    lat = []
    for i in range(500):
        one = x[i:i + 1]
        t0 = time.perf_counter()
        run(one)
        lat.append(time.perf_counter() - t0)
    run(x[:256])
    best = 0
    for _ in range(3):
        t0 = time.perf_counter()
        for s in range(0, len(x), 256):
            run(x[s:s + 256])
        best = max(best, len(x) / (time.perf_counter() - t0))
    return float(np.median(lat)) * 1e3, best


def child(kind, model, mnist, threads):
    x = images(mnist)
    if kind == "tflite":
        import tensorflow as tf
        it = tf.lite.Interpreter(model_path=model, num_threads=threads)
        inp = it.get_input_details()[0]["index"]
        out = it.get_output_details()[0]["index"]
        state = {"batch": None}

        def run(b):
            if state["batch"] != len(b):
                it.resize_tensor_input(inp, [len(b), 28, 28, 1])
                it.allocate_tensors()
                state["batch"] = len(b)
            it.set_tensor(inp, b)
            it.invoke()
            return it.get_tensor(out)
        version = "tensorflow " + tf.__version__ + " (tf.lite.Interpreter, XNNPACK delegate by default)"
    else:
        import onnxruntime as ort
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
        name = s.get_inputs()[0].name

        def run(b):
            return s.run(None, {name: b})[0]
        version = "onnxruntime " + ort.__version__ + " (CPUExecutionProvider, ORT_ENABLE_ALL)"
    ms, ips = time_runner(run, x)
    print(json.dumps({"runtime": kind, "threads": threads, "latency_ms_batch1": round(ms, 4),
                      "images_per_second_batch256": round(ips, 1), "version": version}))


def main():
    if sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    tflite, onnx, mnist = sys.argv[1:4]
    threads = [int(t) for t in sys.argv[4:]] or [1, 2]
    for t in threads:
        for kind, model in (("tflite", tflite), ("onnxruntime", onnx)):
            subprocess.run([sys.executable, __file__, "--child", kind, model, mnist, str(t)], check=True,
                           stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
