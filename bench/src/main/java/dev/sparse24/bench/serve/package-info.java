/**
 * Load generators for {@code sparse24 serve}: {@link dev.sparse24.bench.serve.ServeLoad} drives
 * REST and gRPC on one server with the same closed-loop clients, for a like-for-like comparison
 * of the two protocols (wrk, in {@code bench/serve/run-load.sh}, drives REST only).
 */
package dev.sparse24.bench.serve;
