package dev.sparse24.server;

import com.google.protobuf.MessageLite;
import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC listener of a {@link ModelServer}: grpc-java on Netty (the shaded artifact), plaintext
 * HTTP/2, one fixed executor for the calls. Request messages are parsed by the server's own code
 * rather than grpc-java's, so bytes that are no valid message answer INVALID_ARGUMENT with the
 * reason (grpc-java would answer UNKNOWN); messages over the size limit get grpc-java's
 * RESOURCE_EXHAUSTED before they are read.
 */
final class GrpcEndpoint {
    private static final System.Logger LOG = System.getLogger(GrpcEndpoint.class.getName());

    /** Request messages as their bytes (the limit has been checked by the framer already). */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("reading the request message: " + e).asRuntimeException();
            }
        }
    };

    private final Server server;
    private final ExecutorService executor;
    private final InetSocketAddress address;      // kept: grpc-java forgets it once terminated

    private GrpcEndpoint(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        this.address = (InetSocketAddress) server.getListenSockets().get(0);
    }

    /** The executor the calls run on (and responses are written from). */
    static ExecutorService newExecutor(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory f = r -> {
            Thread t = new Thread(r, "sparse24-grpc-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(threads, f);
    }

    /**
     * Binds {@code host:port} (0: a free port) and starts serving {@code service}.
     *
     * @throws java.net.BindException when the port cannot be bound (the executor is shut down then)
     */
    static GrpcEndpoint start(String host, int port, int maxMessageBytes, ExecutorService executor,
                              BindableService service) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .executor(executor)
                .maxInboundMessageSize(maxMessageBytes)
                .addService(parsedByUs(service.bindService()))
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            executor.shutdownNow();
            if (e instanceof IOException) {
                // grpc-java's start fails with IOException only when it cannot bind; say so by type,
                // as Jetty does, so callers tell a taken port from other failures.
                BindException b = new BindException("gRPC on " + host + ":" + port + ": " + e.getMessage());
                b.initCause(e);
                throw b;
            }
            throw e;
        }
        return new GrpcEndpoint(server, executor);
    }

    /** The bound address (the real port when 0 was asked for). */
    InetSocketAddress address() {
        return address;
    }

    /** Stops taking new calls; calls in flight go on. */
    void shutdown() {
        server.shutdown();
    }

    /** Waits up to {@code timeout} for the calls in flight, then cancels what is left. */
    void awaitTermination(Duration timeout) {
        try {
            if (!server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "gRPC calls still running after " + timeout + ", cancelling them");
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdown();
    }

    /** {@code definition} with every method taking bytes that {@link GrpcRequestReader#parse} turns into its request. */
    private static ServerServiceDefinition parsedByUs(ServerServiceDefinition definition) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(definition.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : definition.getMethods()) {
            b.addMethod(parsedByUs(m));
        }
        return b.build();
    }

    private static <Q, R> ServerMethodDefinition<byte[], R> parsedByUs(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> method = m.getMethodDescriptor();
        @SuppressWarnings("unchecked")
        Q prototype = ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller()).getMessagePrototype();
        ServerCallHandler<Q, R> handler = m.getServerCallHandler();
        MethodDescriptor<byte[], R> bytes = method.toBuilder(BYTES, method.getResponseMarshaller()).build();
        ServerCallHandler<byte[], R> parsing = (call, headers) -> {
            ServerCall.Listener<Q> inner = handler.startCall(new Retyped<>(call, method), headers);
            return new ServerCall.Listener<byte[]>() {
                private boolean refused;

                @Override
                public void onMessage(byte[] message) {
                    Q request;
                    try {
                        @SuppressWarnings("unchecked")
                        Q parsed = (Q) GrpcRequestReader.parse((MessageLite) prototype, message);
                        request = parsed;
                    } catch (ProtocolException e) {
                        refused = true;
                        call.close(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), new Metadata());
                        return;
                    }
                    inner.onMessage(request);
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        inner.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    inner.onCancel();
                }

                @Override
                public void onComplete() {
                    inner.onComplete();
                }

                @Override
                public void onReady() {
                    if (!refused) {
                        inner.onReady();
                    }
                }
            };
        };
        return ServerMethodDefinition.create(bytes, parsing);
    }

    /** A call on bytes seen by the generated handler as a call on its request type. */
    private static final class Retyped<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<byte[], R> call;
        private final MethodDescriptor<Q, R> method;

        Retyped(ServerCall<byte[], R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
