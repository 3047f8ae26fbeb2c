/**
 * {@code sparse24 serve}: the Open Inference Protocol (KServe v2 REST, as Triton implements it,
 * with Triton's binary tensor data extension) over the core's dynamic batching
 * ({@link dev.sparse24.runtime.batching.BatchingSession}), on Jetty 12 core handlers, with
 * Prometheus metrics. {@link dev.sparse24.server.ModelServer} is the entry point; the protocol's
 * request parsing ({@link dev.sparse24.server.InferRequestParser}) and response writing
 * ({@link dev.sparse24.server.InferResponseWriter}) are plain functions of bytes, tested and
 * fuzzed without HTTP.
 */
package dev.sparse24.server;
