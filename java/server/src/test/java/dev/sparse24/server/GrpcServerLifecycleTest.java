package dev.sparse24.server;

import com.google.common.util.concurrent.ListenableFuture;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.batching.BatchingOptions;
import dev.sparse24.server.grpc.v2.GRPCInferenceServiceGrpc;
import dev.sparse24.server.grpc.v2.ModelInferResponse;
import dev.sparse24.server.grpc.v2.ServerReadyRequest;
import dev.sparse24.testing.TutorialFixture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gRPC endpoint under overload, failure and shutdown, each built as a state with a stalled
 * batcher (not a timing): a full queue answers UNAVAILABLE at once, a failed run INTERNAL for
 * its requests only, the server's timeout DEADLINE_EXCEEDED, and a graceful stop finishes the
 * calls in flight over both protocols before it returns.
 */
@Timeout(180)
class GrpcServerLifecycleTest {
    static SparseModel model;
    static InferenceSession reference;

    @BeforeAll
    static void load() throws Exception {
        model = SparseModel.fromGraph(TutorialFixture.graph(7));
        reference = model.newSession(ModelServerTest.SESSION);
        GrpcServerTest.input = model.inputs().get(0).name();      // the request builders' input name
        ModelServerTest.input = GrpcServerTest.input;
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    static ModelServer stalled(ModelServerTest.Stall stall, BatchingOptions batching) throws Exception {
        return ModelServer.start(ServerOptions.defaults().withPort(0).withGrpcPort(0)
                        .withStopTimeout(Duration.ofSeconds(60)),
                List.of(new ModelServer.Model("m", model, ModelServerTest.SESSION,
                        batching.withConcurrency(1).withListener(stall))));
    }

    static GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async(ManagedChannel ch) {
        return GRPCInferenceServiceGrpc.newFutureStub(ch).withDeadlineAfter(90, TimeUnit.SECONDS);
    }

    static Status statusOf(ListenableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StatusRuntimeException, e.toString());
        return ((StatusRuntimeException) e.getCause()).getStatus();
    }

    @Test
    void fullQueueAnswersUnavailableAndRecovers() throws Exception {
        ModelServerTest.Stall stall = new ModelServerTest.Stall();
        float[] x = ModelServerTest.image(6, 1);
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(1).withQueueCapacity(2))) {
            ManagedChannel ch = GrpcServerTest.channel(s);
            try {
                var first = async(ch).modelInfer(GrpcServerTest.raw("m", x, 1));
                assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
                List<ListenableFuture<ModelInferResponse>> queued = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    queued.add(async(ch).modelInfer(GrpcServerTest.raw("m", x, 1)));
                }
                ModelServerTest.awaitQueueDepth(s, 2);
                Status refused = statusOf(async(ch).modelInfer(GrpcServerTest.raw("m", x, 1)));
                assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), refused.toString());
                assertTrue(refused.getDescription().contains("queue is full"), refused.toString());
                stall.release.countDown();
                float[] want = reference.run(x, 1);
                assertArrayEquals(want, GrpcServerTest.rawFloats(first.get(60, TimeUnit.SECONDS)));
                for (var q : queued) {
                    assertArrayEquals(want, GrpcServerTest.rawFloats(q.get(60, TimeUnit.SECONDS)));
                }
                assertArrayEquals(want, GrpcServerTest.rawFloats(async(ch).modelInfer(GrpcServerTest.raw("m", x, 1))
                        .get(60, TimeUnit.SECONDS)));
                String metrics = ModelServerTest.text(ModelServerTest.get(s, "/metrics"));
                assertTrue(metrics.contains("code=\"UNAVAILABLE\",model=\"m\",protocol=\"grpc\""), metrics);
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void failedRunAnswersInternalForItsRequestsOnly() throws Exception {
        ModelServerTest.Stall stall = new ModelServerTest.Stall();
        stall.interruptAfter = true;          // the runtime then cancels the next run: a real failure
        float[] x = ModelServerTest.image(7, 1);
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(4).withMaxDelay(Duration.ofSeconds(5)))) {
            ManagedChannel ch = GrpcServerTest.channel(s);
            try {
                var first = async(ch).modelInfer(GrpcServerTest.typed("m", x, 1));
                assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
                var doomed = async(ch).modelInfer(GrpcServerTest.typed("m", x, 1));
                ModelServerTest.awaitQueueDepth(s, 1);
                stall.release.countDown();
                assertArrayEquals(reference.run(x, 1), GrpcServerTest.fp32(first.get(60, TimeUnit.SECONDS)));
                Status failed = statusOf(doomed);
                assertEquals(Status.Code.INTERNAL, failed.getCode(), failed.toString());
                assertTrue(failed.getDescription().contains("inference failed: the run was cancelled"), failed.toString());
                assertArrayEquals(reference.run(x, 1), GrpcServerTest.fp32(async(ch)
                        .modelInfer(GrpcServerTest.typed("m", x, 1)).get(60, TimeUnit.SECONDS)));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void serverTimeoutAnswersDeadlineExceeded() throws Exception {
        ModelServerTest.Stall stall = new ModelServerTest.Stall();
        float[] x = ModelServerTest.image(8, 1);
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(4).withTimeout(Duration.ofMillis(200)))) {
            ManagedChannel ch = GrpcServerTest.channel(s);
            try {
                var first = async(ch).modelInfer(GrpcServerTest.typed("m", x, 1));
                assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
                Status late = statusOf(async(ch).modelInfer(GrpcServerTest.typed("m", x, 1)));
                assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getCode(), late.toString());
                assertTrue(late.getDescription().contains("timed out after 200 ms"), late.toString());
                stall.release.countDown();
                // The held request's own 200 ms passed too: it answers, whichever way.
                assertThrows(ExecutionException.class, () -> first.get(60, TimeUnit.SECONDS));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aClientDeadlineDropsItsWaitingRequest() throws Exception {
        ModelServerTest.Stall stall = new ModelServerTest.Stall();
        float[] x = ModelServerTest.image(11, 1);
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(1))) {
            ManagedChannel ch = GrpcServerTest.channel(s);
            try {
                var first = async(ch).modelInfer(GrpcServerTest.raw("m", x, 1));
                assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
                var impatient = GRPCInferenceServiceGrpc.newFutureStub(ch).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                        .modelInfer(GrpcServerTest.raw("m", x, 1));
                assertEquals(Status.Code.DEADLINE_EXCEEDED, statusOf(impatient).getCode());
                // The server saw the cancellation and cancelled the waiting request (counted as CANCELLED).
                String want = "sparse24_inference_requests_total{code=\"CANCELLED\",model=\"m\",protocol=\"grpc\"} 1.0";
                for (int i = 0; i < 6000 && !ModelServerTest.text(ModelServerTest.get(s, "/metrics")).contains(want); i++) {
                    Thread.sleep(5);
                }
                assertTrue(ModelServerTest.text(ModelServerTest.get(s, "/metrics")).contains(want));
                stall.release.countDown();
                assertArrayEquals(reference.run(x, 1), GrpcServerTest.rawFloats(first.get(60, TimeUnit.SECONDS)));
            } finally {
                stall.release.countDown();
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        try (ModelServer plain = ModelServer.start(ServerOptions.defaults().withPort(0),
                List.of(new ModelServer.Model("m", model, ModelServerTest.SESSION, BatchingOptions.defaults(1))))) {
            assertEquals(null, plain.grpcAddress());               // no gRPC unless asked for
        }
    }

    @Test
    void gracefulShutdownFinishesGrpcAndHttpCallsInFlight() throws Exception {
        ModelServerTest.Stall stall = new ModelServerTest.Stall();
        float[] x = ModelServerTest.image(9, 1);
        ModelServer s = stalled(stall, BatchingOptions.defaults(2).withMaxDelay(Duration.ZERO));
        ManagedChannel ch = GrpcServerTest.channel(s);
        try {
            List<ListenableFuture<ModelInferResponse>> inFlight = new ArrayList<>();
            inFlight.add(async(ch).modelInfer(GrpcServerTest.raw("m", x, 1)));
            assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
            for (int i = 0; i < 4; i++) {
                inFlight.add(async(ch).modelInfer(GrpcServerTest.raw("m", x, 1)));
            }
            var http = ModelServerTest.postAsync(s, "/v2/models/m/infer",
                    ModelServerTest.jsonBody(x, 1, "").getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
            ModelServerTest.awaitQueueDepth(s, 5);
            assertTrue(async(ch).serverReady(ServerReadyRequest.getDefaultInstance()).get(60, TimeUnit.SECONDS).getReady());
            Thread closer = new Thread(s::close);
            closer.start();
            while (s.isReady()) {
                Thread.onSpinWait();
            }
            assertTrue(closer.isAlive(), "close returned with calls in flight");
            // New calls are refused while the old ones wait: by the service ("server is shutting
            // down") or, once grpc-java has stopped listening, by the closed port - UNAVAILABLE both.
            Status refused = statusOf(async(ch).modelInfer(GrpcServerTest.raw("m", x, 1)));
            assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), refused.toString());
            stall.release.countDown();
            closer.join(60_000);
            assertFalse(closer.isAlive());
            float[] want = reference.run(x, 1);
            for (var f : inFlight) {
                assertArrayEquals(want, GrpcServerTest.rawFloats(f.get(60, TimeUnit.SECONDS)));
            }
            assertEquals(200, http.get(60, TimeUnit.SECONDS).statusCode());
            // Stopped: the gRPC port is closed.
            ManagedChannel after = GrpcServerTest.channel(s);
            try {
                assertEquals(Status.Code.UNAVAILABLE, statusOf(async(after).serverLive(
                        dev.sparse24.server.grpc.v2.ServerLiveRequest.getDefaultInstance())).getCode());
            } finally {
                after.shutdownNow();
            }
        } finally {
            stall.release.countDown();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            s.close();
        }
    }
}
