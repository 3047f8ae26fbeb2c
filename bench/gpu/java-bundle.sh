#!/usr/bin/env bash
# java-bundle.sh BUNDLE_DIR - the Java path of the GPU bundle (called by make-bundle.sh): the
# jars `sparse24 run` needs (no OpenBLAS, no charting), a jlink'd Java 17 runtime for a GPU
# machine without Java, a briefly trained tutorial model, 64 MNIST test images as raw float32
# and this machine's CPU outputs for them. Then a rehearsal here: the bundled runtime and jars
# run the model through Device.CUDA on the host simulation (SPARSE24_CUDA_SIM=1) and must give
# the CPU's predictions. On the GPU, device-check.sh runs the same command for real.
# Needs the CLI built (java/cli/target/sparse24.jar + lib/) and MNIST in $SPARSE24_MNIST
# (default: ../shared/data/mnist beside the checkout). SPARSE24_SKIP_SIM=1 skips the rehearsal.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${1:?usage: java-bundle.sh BUNDLE_DIR}/java"
mnist="${SPARSE24_MNIST:-$root/../shared/data/mnist}"
lib="$root/java/cli/target/lib"

rm -rf "$dest"
mkdir -p "$dest/jars"
cp "$root/java/cli/target/sparse24.jar" "$dest/jars/"
# What `run --device cuda` loads (rehearsed below); OpenBLAS (19 MB), the PNG/PDF charting stack,
# JSON and progress bars stay behind.
for j in "$lib"/*.jar; do
  case "$(basename "$j")" in
    openblas-*|xchart-*|pdfbox-*|fontbox-*|graphics2d-*|VectorGraphics2D-*|animated-gif-lib-*|commons-logging-*) ;;
    jackson-*|progressbar-*|jline-*) ;;  # summary.json and progress bars: tutorial only
    onnxruntime-*) ;;                    # the bench's CPU peer (tens of MB of natives)
    jetty-*|prometheus-*|slf4j-*) ;;     # serve only
    protobuf-*) ;;                       # ONNX export only
    *) cp "$j" "$dest/jars/" ;;
  esac
done
jlink --add-modules java.base,jdk.unsupported,java.logging --strip-debug --no-man-pages \
  --no-header-files --compress=2 --output "$dest/jre"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A briefly trained tutorial model (about a minute on 2 cores): real 2:4 layers, real margins.
"$root/sparse24" tutorial --limit 3000 --epochs 1 --quiet --device cpu --data "$mnist" --out "$work/tutorial" \
  > "$work/tutorial.log"
cp "$work/tutorial/model.s24" "$dest/tutorial.s24"
python3 - "$mnist/t10k-images-idx3-ubyte.gz" "$dest/x64.bin" <<'PY'
import gzip, struct, sys
raw = gzip.open(sys.argv[1]).read()[16:16 + 64 * 784]
open(sys.argv[2], "wb").write(struct.pack("<%df" % len(raw), *(b / 255.0 for b in raw)))
PY
"$root/sparse24" run "$dest/tutorial.s24" --input "$dest/x64.bin" --device cpu --batch 64 \
  --output "$dest/cpu64.bin" > "$dest/cpu64.txt"

if [[ "${SPARSE24_SKIP_SIM:-0}" != 1 ]]; then
  SPARSE24_CUDA_SIM=1 "$dest/jre/bin/java" -cp "$dest/jars/*" dev.sparse24.cli.Main run "$dest/tutorial.s24" \
    --input "$dest/x64.bin" --device cuda --batch 64 --output "$work/sim64.bin" | head -3
  python3 "$here/compare_outputs.py" "$dest/cpu64.bin" "$work/sim64.bin" 10
fi
du -sh "$dest/jars" "$dest/jre" "$dest"
