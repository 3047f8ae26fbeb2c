package dev.sparse24.server;

import dev.sparse24.runtime.batching.BatchingListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The server's Prometheus metrics (its own registry, so several servers in one JVM do not mix):
 * inference requests by model, protocol ({@code http}, {@code grpc}) and status (the HTTP status
 * or the gRPC status code's name), failures by reason, request latency by protocol, batch sizes
 * formed, batch run time, queue depth. {@link #scrape()} writes the Prometheus text format.
 */
final class ServerMetrics {
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    private static final double[] SECONDS_BOUNDS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
            1, 2, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("sparse24_inference_requests")
            .help("Inference requests, by model, protocol (http, grpc) and status (HTTP status, gRPC code)")
            .labelNames("model", "protocol", "code").register(registry);
    private final Counter failures = Counter.builder().name("sparse24_inference_failures")
            .help("Failed inference requests, by model and reason (bad_request, queue_full, timeout, run_failed,"
                    + " shutting_down)")
            .labelNames("model", "reason").register(registry);
    private final Histogram latency = Histogram.builder().name("sparse24_inference_request_duration_seconds")
            .help("Time from request to response of successful inference requests")
            .labelNames("model", "protocol").classicOnly().classicUpperBounds(SECONDS_BOUNDS).register(registry);
    private final Histogram batchSize = Histogram.builder().name("sparse24_batch_size")
            .help("Batch items per run formed by the dynamic batcher")
            .labelNames("model").classicOnly().classicUpperBounds(BATCH_BOUNDS).register(registry);
    private final Histogram batchRun = Histogram.builder().name("sparse24_batch_run_duration_seconds")
            .help("Time of one batched run on the session")
            .labelNames("model").classicOnly().classicUpperBounds(SECONDS_BOUNDS).register(registry);
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    ServerMetrics(Map<String, ?> models, ToIntFunction<String> queueDepth) {
        GaugeWithCallback.builder().name("sparse24_queue_depth").help("Requests waiting for a batch")
                .labelNames("model")
                .callback(cb -> {
                    for (String m : models.keySet()) {
                        cb.call(queueDepth.applyAsInt(m), m);
                    }
                })
                .register(registry);
    }

    /** The batcher hooks of one model: the metrics, then {@code also}'s (the caller's own). */
    BatchingListener listener(String model, BatchingListener also) {
        return new BatchingListener() {
            @Override
            public void batchCompleted(int requests, int samples, long waitNanos, long runNanos, Throwable failure) {
                batchSize.labelValues(model).observe(samples);
                batchRun.labelValues(model).observe(runNanos / 1e9);
                also.batchCompleted(requests, samples, waitNanos, runNanos, failure);
            }

            @Override
            public void rejected() {
                also.rejected();
            }

            @Override
            public void timedOut() {
                also.timedOut();
            }
        };
    }

    /** An answered HTTP inference request. */
    void request(String model, int status, long nanos) {
        request(model, "http", Integer.toString(status), status == 200, nanos);
    }

    /** An answered inference request: {@code code} is the protocol's status, {@code ok} whether it succeeded. */
    void request(String model, String protocol, String code, boolean ok, long nanos) {
        requests.labelValues(model, protocol, code).inc();
        if (ok) {
            latency.labelValues(model, protocol).observe(nanos / 1e9);
        }
    }

    void failure(String model, String reason) {
        failures.labelValues(model, reason).inc();
    }

    /** The text format's content type. */
    String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
