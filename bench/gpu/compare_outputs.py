#!/usr/bin/env python3
"""compare_outputs.py WANT.bin GOT.bin CLASSES - compares two `sparse24 run --output` files
(raw little-endian float32, batch first): the arg-max per item, and the largest difference
relative to the outputs' scale. Exit 1 when an item's prediction differs although the CPU's
top two outputs are further apart than 1% of the scale (a nearer tie may flip under fp16)."""
import struct
import sys


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    return struct.unpack("<%df" % (len(data) // 4), data)


def main():
    want, got, classes = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
    if len(want) != len(got) or len(want) % classes:
        print(f"compare: sizes differ or are not a multiple of {classes}: {len(want)} vs {len(got)}")
        return 1
    scale = max(abs(v) for v in want) or 1.0
    diff = max(abs(a - b) for a, b in zip(want, got))
    bad = 0
    flips = 0
    for i in range(len(want) // classes):
        w = want[i * classes:(i + 1) * classes]
        g = got[i * classes:(i + 1) * classes]
        pw = max(range(classes), key=lambda c: w[c])
        pg = max(range(classes), key=lambda c: g[c])
        if pw != pg:
            top = sorted(w, reverse=True)
            margin = (top[0] - top[1]) / scale
            flips += 1
            bad += margin > 0.01
            print(f"  item {i}: want class {pw}, got {pg} (CPU margin {margin:.4f} of scale)")
    items = len(want) // classes
    print(f"compare: {items - flips} of {items} predictions equal, max |diff| {diff:.3g} "
          f"({diff / scale:.3g} of scale {scale:.3g})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
