/**
 * {@code sparse24 bench}: dense against 2:4 sparse, layers and whole models, with ONNX Runtime
 * Java on our ONNX export as the peer, measured in one process with interleaved runs
 * ({@link dev.sparse24.tools.bench.Interleaved}), written as results.json (the schema of
 * docs/bench-results.md), report.md and XChart PNGs. JMH in {@code bench/} stays the source of
 * truth for layer figures; this harness is the report a performance engineer runs and shows.
 */
package dev.sparse24.tools.bench;
