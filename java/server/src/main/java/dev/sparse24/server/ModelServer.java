package dev.sparse24.server;

import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.batching.BatchingOptions;
import dev.sparse24.runtime.batching.BatchingSession;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.regex.Pattern;

/**
 * A model server speaking the Open Inference Protocol (KServe v2 REST, as Triton implements it,
 * with Triton's binary tensor data extension, and, when {@link ServerOptions#grpcPort()} asks for
 * it, KServe v2 gRPC), one {@link BatchingSession} per model shared by both protocols, Prometheus
 * metrics at {@code /metrics}.
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.start(ServerOptions.defaults().withPort(8000),
 *         List.of(new ModelServer.Model("mnist", SparseModel.load(path),
 *                 SessionOptions.defaults().withThreads(2).withMaxBatch(64), BatchingOptions.defaults(64))))) {
 *     System.out.println(server.url());
 *     server.join();
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops gracefully: readiness turns false, the ports stop accepting, new
 * requests on open connections get 503 (HTTP) or UNAVAILABLE (gRPC), requests in flight finish
 * (up to {@link ServerOptions#stopTimeout()}), then the batchers drain and the sessions close.
 */
public final class ModelServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelServer.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    /**
     * One model to serve.
     *
     * @param name     the name in URLs ({@code /v2/models/NAME}): letters, digits, '_', '.', '-'
     * @param model    the model
     * @param session  options of its session (device, threads, maxBatch)
     * @param batching options of its batcher (its listener is called after the server's metrics)
     */
    public record Model(String name, SparseModel model, SessionOptions session, BatchingOptions batching) {
        /** Checks the name. */
        public Model {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("model name must be 1-128 letters, digits, '_', '.' or '-', given '"
                        + name + "'");
            }
            if (model == null || session == null || batching == null) {
                throw new IllegalArgumentException("model, session and batching options must not be null");
            }
        }
    }

    private final Server server;
    private final Map<String, ServedModel> models;
    private final ServerOptions options;
    private volatile GrpcEndpoint grpc;        // null: no gRPC endpoint
    private volatile boolean ready;
    private boolean closed;

    private ModelServer(Server server, Map<String, ServedModel> models, ServerOptions options) {
        this.server = server;
        this.models = models;
        this.options = options;
    }

    /**
     * Opens a session and a batcher per model and starts listening.
     *
     * @throws IllegalArgumentException on two models of one name, or options a session refuses
     * @throws Exception                when the port cannot be bound (nothing stays open then)
     */
    public static ModelServer start(ServerOptions options, List<Model> toServe) throws Exception {
        if (toServe.isEmpty()) {
            throw new IllegalArgumentException("no model to serve");
        }
        Map<String, ServedModel> models = new LinkedHashMap<>();
        ServerMetrics metrics = new ServerMetrics(models, name -> models.get(name).batcher.queueDepth());
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            for (Model m : toServe) {
                if (models.containsKey(m.name())) {
                    throw new IllegalArgumentException("two models named '" + m.name() + "'");
                }
                InferenceSession session = m.model().newSession(m.session());
                opened.add(session);
                BatchingSession batcher = new BatchingSession(session, m.batching().withListener(metrics.listener(m.name(), m.batching().listener())));
                opened.add(0, batcher);
                models.put(m.name(), new ServedModel(m.name(), session, batcher));
            }
            QueuedThreadPool pool = new QueuedThreadPool(options.httpThreads(), Math.min(4, options.httpThreads()));
            pool.setName("sparse24-http");
            Server server = new Server(pool);
            ServerConnector connector = new ServerConnector(server, 1, 1);
            connector.setHost(options.host());
            connector.setPort(options.port());
            server.addConnector(connector);
            ModelServer ms = new ModelServer(server, models, options);
            V2Handler v2 = new V2Handler(models, metrics, version(), () -> ms.ready);
            SizeLimitHandler limit = new SizeLimitHandler(options.maxBodyBytes(), -1);
            limit.setHandler(v2);
            GracefulHandler graceful = new GracefulHandler();
            graceful.setHandler(limit);
            server.setHandler(graceful);
            server.setErrorHandler(new JsonErrorHandler());
            server.setStopTimeout(options.stopTimeout().toMillis());
            server.setStopAtShutdown(false);          // the CLI's own hook stops it, in order
            try {
                server.start();
                if (options.grpcPort() >= 0) {
                    ExecutorService executor = GrpcEndpoint.newExecutor(options.httpThreads());
                    ms.grpc = GrpcEndpoint.start(options.host(), options.grpcPort(), (int) options.maxBodyBytes(),
                            executor, new V2GrpcService(models, metrics, version(), () -> ms.ready, executor));
                }
            } catch (Exception e) {
                server.stop();
                throw e;
            }
            ms.ready = true;
            return ms;
        } catch (Exception | Error e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static String version() {
        String v = ModelServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8000} (the real port when 0 was asked for). */
    public URI url() {
        ServerConnector c = (ServerConnector) server.getConnectors()[0];
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + c.getLocalPort());
    }

    /**
     * The gRPC endpoint's address (the real port when 0 was asked for), or null when the server
     * has none ({@link ServerOptions#grpcPort()} -1).
     */
    public InetSocketAddress grpcAddress() {
        return grpc == null ? null : grpc.address();
    }

    /** Whether the server is ready (started and not stopping). */
    public boolean isReady() {
        return ready;
    }

    /** The names of the models served, in order. */
    public List<String> modelNames() {
        return List.copyOf(models.keySet());
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops gracefully (see the class comment); idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        for (ServedModel m : models.values()) {
            m.ready = false;
        }
        long deadline = System.nanoTime() + options.stopTimeout().toNanos();
        if (grpc != null) {
            grpc.shutdown();                   // no new calls; calls in flight go on
        }
        try {
            server.stop();                     // graceful: waits for requests in flight up to stopTimeout
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the HTTP server: " + e);
        }
        if (grpc != null) {
            grpc.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        for (ServedModel m : models.values()) {
            m.batcher.close();                 // runs whatever is still queued
            m.session.close();
        }
    }

    /** Jetty's own errors (bad HTTP, 413 over the limit, 503 while stopping) as {@code {"error": ...}}. */
    private static final class JsonErrorHandler extends ErrorHandler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus();
            Object message = request.getAttribute(ERROR_MESSAGE);
            if (status == 413) {
                message = "request body larger than the server's limit";
            } else if (status == 503) {
                message = "server is shutting down";
            }
            V2Handler.error(response, callback, status <= 0 ? 500 : status,
                    message == null ? "HTTP " + status : message.toString());
            return true;
        }
    }
}
