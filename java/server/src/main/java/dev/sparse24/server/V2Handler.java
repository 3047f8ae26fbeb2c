package dev.sparse24.server;

import dev.sparse24.runtime.batching.QueueFullException;
import dev.sparse24.runtime.batching.RequestTimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The Open Inference Protocol's HTTP/REST endpoints as one Jetty core handler:
 * health, server and model metadata, model ready, infer, and {@code /metrics}. Inference is
 * asynchronous end to end: the body is read without blocking a thread, the request waits in the
 * batcher, and the response is written from Jetty's pool, so a slow model never holds HTTP
 * threads. Every failure becomes a JSON error with its status; nothing a request holds can
 * escape as an exception out of {@link #handle}.
 */
final class V2Handler extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(V2Handler.class.getName());
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final String JSON = "application/json";

    private final Map<String, ServedModel> models;
    private final ServerMetrics metrics;
    private final byte[] serverMetadata;
    private final BooleanSupplier ready;
    private final InferRequestParser parser = new InferRequestParser();
    private volatile Executor responses;

    V2Handler(Map<String, ServedModel> models, ServerMetrics metrics, String version, BooleanSupplier ready) {
        this.models = models;
        this.metrics = metrics;
        this.ready = ready;
        this.serverMetadata = ("{\"name\":\"sparse24\",\"version\":\"" + version
                + "\",\"extensions\":[\"binary_tensor_data\"]}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doStart() throws Exception {
        responses = getServer().getThreadPool();
        super.doStart();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            route(request, response, callback);
        } catch (ProtocolException e) {
            error(response, callback, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "request failed", e);
            error(response, callback, 500, "internal error: " + e);
        }
        return true;
    }

    private void route(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String[] parts = path.split("/", -1);            // "", "v2", ...
        String method = request.getMethod();
        if (path.equals("/metrics")) {
            requireGet(method);
            send(response, callback, 200, metrics.contentType(), metrics.scrape());
            return;
        }
        if (parts.length < 2 || !parts[1].equals("v2")) {
            throw new ProtocolException(404, "no endpoint " + path);
        }
        if (parts.length == 2 || (parts.length == 3 && parts[2].isEmpty())) {
            requireGet(method);
            send(response, callback, 200, JSON, serverMetadata);
            return;
        }
        if (parts.length == 4 && parts[2].equals("health")) {
            requireGet(method);
            switch (parts[3]) {
                case "live" -> send(response, callback, 200, JSON, new byte[0]);
                case "ready" -> send(response, callback, ready.getAsBoolean() ? 200 : 400, JSON, new byte[0]);
                default -> throw new ProtocolException(404, "no endpoint " + path);
            }
            return;
        }
        if (parts.length >= 4 && parts[2].equals("models")) {
            ServedModel model = models.get(parts[3]);
            if (model == null) {
                throw new ProtocolException(404, "unknown model '" + parts[3] + "'; served: " + models.keySet());
            }
            int rest = 4;
            if (parts.length >= 6 && parts[4].equals("versions")) {
                if (!parts[5].equals(ServedModel.VERSION)) {
                    throw new ProtocolException(404, "model '" + model.name + "' has no version '" + parts[5]
                            + "'; it has version " + ServedModel.VERSION);
                }
                rest = 6;
            }
            String action = parts.length == rest ? "" : parts.length == rest + 1 ? parts[rest] : null;
            if ("".equals(action)) {
                requireGet(method);
                send(response, callback, 200, JSON, model.metadata);
                return;
            }
            if ("ready".equals(action)) {
                requireGet(method);
                send(response, callback, model.ready && ready.getAsBoolean() ? 200 : 400, JSON, new byte[0]);
                return;
            }
            if ("infer".equals(action)) {
                if (!method.equals("POST")) {
                    throw new ProtocolException(405, "infer takes POST, given " + method);
                }
                infer(model, request, response, callback);
                return;
            }
        }
        throw new ProtocolException(404, "no endpoint " + path);
    }

    private static void requireGet(String method) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new ProtocolException(405, "this endpoint takes GET, given " + method);
        }
    }

    private void infer(ServedModel model, Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        long headerLength = headerLength(request);
        Content.Source.asByteArrayAsync(request, -1).whenComplete((body, readFailure) -> {
            if (readFailure != null) {
                Throwable cause = unwrap(readFailure);
                int status = cause instanceof HttpException h ? h.getCode() : 400;
                fail(model, response, callback, start, status, status == 413 ? "bad_request" : "bad_request",
                        status == 413 ? "request body larger than the server's limit" : "request body unreadable: "
                                + cause.getMessage());
                return;
            }
            InferRequest parsed;
            try {
                parsed = parser.parse(model.inputs(), model.outputs(), body, headerLength);
            } catch (ProtocolException e) {
                fail(model, response, callback, start, e.status(), "bad_request", e.getMessage());
                return;
            }
            try {
                model.batcher.submit(parsed.inputs(), parsed.batch())
                        .whenCompleteAsync((results, failure) -> respond(model, parsed, results, failure, response,
                                callback, start), responses);
            } catch (QueueFullException e) {
                fail(model, response, callback, start, 503, "queue_full", e.getMessage());
            } catch (IllegalStateException e) {
                fail(model, response, callback, start, 503, "shutting_down", "server is shutting down");
            } catch (IllegalArgumentException e) {
                fail(model, response, callback, start, 400, "bad_request", e.getMessage());
            }
        });
    }

    private void respond(ServedModel model, InferRequest request, float[][] results, Throwable failure,
                         Response response, Callback callback, long start) {
        try {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                if (cause instanceof RequestTimeoutException) {
                    fail(model, response, callback, start, 503, "timeout", cause.getMessage());
                } else {
                    LOG.log(System.Logger.Level.WARNING, "inference failed for model " + model.name, cause);
                    fail(model, response, callback, start, 500, "run_failed", "inference failed: "
                            + (cause instanceof CancellationException ? "the run was cancelled" : String.valueOf(cause)));
                }
                return;
            }
            InferResponseWriter.Body body = InferResponseWriter.write(model.name, ServedModel.VERSION, request,
                    model.outputs(), results);
            if (body.jsonLength() >= 0) {
                response.getHeaders().put(HEADER_LENGTH, body.jsonLength());
            }
            metrics.request(model.name, 200, System.nanoTime() - start);
            send(response, callback, 200, body.jsonLength() >= 0 ? "application/octet-stream" : JSON, body.body());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "writing a response failed", e);
            fail(model, response, callback, start, 500, "run_failed", "internal error: " + e);
        }
    }

    private static long headerLength(Request request) {
        String h = request.getHeaders().get(HEADER_LENGTH);
        if (h == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(h.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ProtocolException.badRequest(HEADER_LENGTH + " must be a non-negative integer, given '" + h + "'");
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private void fail(ServedModel model, Response response, Callback callback, long start, int status, String reason,
                      String message) {
        metrics.failure(model.name, reason);
        metrics.request(model.name, status, System.nanoTime() - start);
        error(response, callback, status, message);
    }

    static void error(Response response, Callback callback, int status, String message) {
        send(response, callback, status, JSON, InferResponseWriter.error(message));
    }

    private static void send(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
