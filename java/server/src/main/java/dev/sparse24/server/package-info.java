/**
 * {@code sparse24 serve}: the Open Inference Protocol (KServe v2 REST, as Triton implements it,
 * with Triton's binary tensor data extension, and KServe v2 gRPC, {@code
 * V2GrpcService}) over the core's dynamic batching
 * ({@link dev.sparse24.runtime.batching.BatchingSession}), on Jetty 12 core handlers, with
 * Prometheus metrics. {@link dev.sparse24.server.ModelServer} is the entry point; the protocol's
 * request parsing ({@link dev.sparse24.server.InferRequestParser}) and response writing
 * ({@link dev.sparse24.server.InferResponseWriter}) are plain functions of bytes, tested and
 * fuzzed without HTTP, as are gRPC's ({@code GrpcRequestReader}); both
 * protocols check requests with one {@code InferRequestCheck}. The gRPC
 * messages and stubs are generated at build time from {@code src/main/proto/grpc_service.proto}
 * into {@code dev.sparse24.server.grpc.v2}.
 */
package dev.sparse24.server;
