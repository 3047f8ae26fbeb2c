#!/usr/bin/env bash
# Compiles and runs SparkVsRun (see its comment) against the built java/spark module:
#   bench/spark/run-spark-vs-run.sh MODEL IDX_IMAGES [PASSES [BATCH [THREADS]]]
# e.g. bench/spark/run-spark-vs-run.sh /tmp/m13/model.s24 ../shared/data/mnist/t10k-images-idx3-ubyte.gz 8
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lib="$root/java/spark/target"
[ -f "$lib/sparse24-spark.jar" ] || (cd "$root" && mvn -B -q -DskipTests package -pl java/spark -am)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cp="$lib/sparse24-spark.jar:$lib/lib/*"
javac -d "$out" -cp "$cp" "$root/bench/spark/SparkVsRun.java"
opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' "$root/java/spark/pom.xml")"
# shellcheck disable=SC2086
java $opens -Dlog4j2.configurationFile="$root/java/spark/conf/log4j2.properties" -cp "$out:$cp" \
  dev.sparse24.spark.SparkVsRun "$1" "$2" "${3:-8}" "${4:-256}" "${5:-2}"
