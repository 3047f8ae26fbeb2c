package dev.sparse24.server;

import dev.sparse24.runtime.batching.QueueFullException;
import dev.sparse24.runtime.batching.RequestTimeoutException;
import dev.sparse24.server.grpc.v2.GRPCInferenceServiceGrpc;
import dev.sparse24.server.grpc.v2.ModelInferRequest;
import dev.sparse24.server.grpc.v2.ModelInferResponse;
import dev.sparse24.server.grpc.v2.ModelMetadataRequest;
import dev.sparse24.server.grpc.v2.ModelMetadataResponse;
import dev.sparse24.server.grpc.v2.ModelReadyRequest;
import dev.sparse24.server.grpc.v2.ModelReadyResponse;
import dev.sparse24.server.grpc.v2.ServerLiveRequest;
import dev.sparse24.server.grpc.v2.ServerLiveResponse;
import dev.sparse24.server.grpc.v2.ServerMetadataRequest;
import dev.sparse24.server.grpc.v2.ServerMetadataResponse;
import dev.sparse24.server.grpc.v2.ServerReadyRequest;
import dev.sparse24.server.grpc.v2.ServerReadyResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The Open Inference Protocol's gRPC service ({@code inference.GRPCInferenceService}) over the
 * same models, batchers and metrics as the REST handler ({@link V2Handler}). Errors are the
 * call's status: INVALID_ARGUMENT for a request that does not match the model (the REST 400s),
 * NOT_FOUND for an unknown model or version, UNAVAILABLE when the model's queue is full or the
 * server is stopping (REST's 503: the request was not taken, the client may retry later),
 * DEADLINE_EXCEEDED when the server's per-request timeout passed, INTERNAL when the run failed
 * (that batch only). Inference is asynchronous: no thread waits for the batcher, and the
 * response is written from the gRPC executor, not the batcher's thread. A client that cancels
 * (or whose deadline passes) drops its request from the batch it waits for.
 */
final class V2GrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final System.Logger LOG = System.getLogger(V2GrpcService.class.getName());

    private final Map<String, ServedModel> models;
    private final Map<String, ModelMetadataResponse> metadata = new LinkedHashMap<>();
    private final ServerMetrics metrics;
    private final ServerMetadataResponse serverMetadata;
    private final BooleanSupplier ready;
    private final Executor responses;

    V2GrpcService(Map<String, ServedModel> models, ServerMetrics metrics, String version, BooleanSupplier ready,
                  Executor responses) {
        this.models = models;
        this.metrics = metrics;
        this.ready = ready;
        this.responses = responses;
        this.serverMetadata = ServerMetadataResponse.newBuilder().setName("sparse24").setVersion(version)
                .addExtensions("binary_tensor_data").build();
        for (ServedModel m : models.values()) {
            metadata.put(m.name, GrpcResponseWriter.metadata(m.name, m.inputs(), m.outputs()));
        }
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        reply(out, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        reply(out, ServerReadyResponse.newBuilder().setReady(ready.getAsBoolean()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        reply(out, serverMetadata);
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        ServedModel m = model(out, request.getName(), request.getVersion());
        if (m != null) {
            reply(out, ModelReadyResponse.newBuilder().setReady(m.ready && ready.getAsBoolean()).build());
        }
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        ServedModel m = model(out, request.getName(), request.getVersion());
        if (m != null) {
            reply(out, metadata.get(m.name));
        }
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        long start = System.nanoTime();
        ServedModel model = model(out, request.getModelName(), request.getModelVersion());
        if (model == null) {
            return;
        }
        if (!ready.getAsBoolean()) {
            // Stopping: calls that came before finish, new ones are refused (REST's 503).
            fail(model, out, start, Status.UNAVAILABLE, "shutting_down", "server is shutting down");
            return;
        }
        try {
            InferRequest parsed;
            try {
                parsed = GrpcRequestReader.read(model.inputs(), model.outputs(), request);
            } catch (ProtocolException e) {
                fail(model, out, start, Status.INVALID_ARGUMENT, "bad_request", e.getMessage());
                return;
            }
            ServerCallStreamObserver<ModelInferResponse> call = (ServerCallStreamObserver<ModelInferResponse>) out;
            CompletableFuture<float[][]> result;
            try {
                result = model.batcher.submit(parsed.inputs(), parsed.batch());
            } catch (QueueFullException e) {
                fail(model, out, start, Status.UNAVAILABLE, "queue_full", e.getMessage());
                return;
            } catch (IllegalStateException e) {
                fail(model, out, start, Status.UNAVAILABLE, "shutting_down", "server is shutting down");
                return;
            } catch (IllegalArgumentException e) {
                fail(model, out, start, Status.INVALID_ARGUMENT, "bad_request", e.getMessage());
                return;
            }
            // A client gone (cancelled, deadline passed) needs no run: drop it from its batch.
            call.setOnCancelHandler(() -> result.cancel(false));
            result.whenCompleteAsync((results, failure) -> respond(model, parsed, results, failure, call, start),
                    responses);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "gRPC infer failed", e);
            fail(model, out, start, Status.INTERNAL, "run_failed", "internal error: " + e);
        }
    }

    private void respond(ServedModel model, InferRequest request, float[][] results, Throwable failure,
                         ServerCallStreamObserver<ModelInferResponse> call, long start) {
        try {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                if (call.isCancelled()) {
                    metrics.request(model.name, "grpc", Status.Code.CANCELLED.name(), false, System.nanoTime() - start);
                } else if (cause instanceof RequestTimeoutException) {
                    fail(model, call, start, Status.DEADLINE_EXCEEDED, "timeout", cause.getMessage());
                } else {
                    LOG.log(System.Logger.Level.WARNING, "inference failed for model " + model.name, cause);
                    fail(model, call, start, Status.INTERNAL, "run_failed", "inference failed: "
                            + (cause instanceof CancellationException ? "the run was cancelled" : String.valueOf(cause)));
                }
                return;
            }
            ModelInferResponse response = GrpcResponseWriter.infer(model.name, request, model.outputs(), results);
            metrics.request(model.name, "grpc", Status.Code.OK.name(), true, System.nanoTime() - start);
            call.onNext(response);
            call.onCompleted();
        } catch (RuntimeException e) {
            // Includes a client that went away between the check and the write (IllegalStateException).
            if (!call.isCancelled()) {
                LOG.log(System.Logger.Level.ERROR, "writing a gRPC response failed", e);
                fail(model, call, start, Status.INTERNAL, "run_failed", "internal error: " + e);
            }
        }
    }

    /** The model of a name and version ("" or "1"), or null after answering NOT_FOUND. */
    private ServedModel model(StreamObserver<?> out, String name, String version) {
        ServedModel m = models.get(name);
        if (m == null) {
            out.onError(Status.NOT_FOUND.withDescription("unknown model '" + name + "'; served: " + models.keySet())
                    .asRuntimeException());
            return null;
        }
        if (!version.isEmpty() && !version.equals(ServedModel.VERSION)) {
            out.onError(Status.NOT_FOUND.withDescription("model '" + name + "' has no version '" + version
                    + "'; it has version " + ServedModel.VERSION).asRuntimeException());
            return null;
        }
        return m;
    }

    private void fail(ServedModel model, StreamObserver<?> out, long start, Status status, String reason,
                      String message) {
        metrics.failure(model.name, reason);
        metrics.request(model.name, "grpc", status.getCode().name(), false, System.nanoTime() - start);
        try {
            out.onError(status.withDescription(message).asRuntimeException());
        } catch (IllegalStateException e) {
            LOG.log(System.Logger.Level.DEBUG, "call already closed: " + e);
        }
    }

    private static <T> void reply(StreamObserver<T> out, T response) {
        out.onNext(response);
        out.onCompleted();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
