package dev.sparse24.runtime.batching;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.TensorInfo;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Dynamic batching over an {@link InferenceSession}: concurrent {@link #submit} calls of a few
 * samples each are gathered into one batch of up to {@link BatchingOptions#maxBatch()} items -
 * or fewer once {@link BatchingOptions#maxDelay()} has passed since the oldest arrived - run
 * once, and each caller's future gets its own rows back. Results equal what the session returns
 * for the gathered batch, bit for bit (the batcher copies, never computes). The CPU runtime
 * picks kernels by batch size, so a sample's result in a batch of 16 may differ from its
 * result alone in the last bits (relative 1e-7; predictions agree).
 *
 * <pre>{@code
 * try (InferenceSession session = model.newSession(SessionOptions.defaults().withThreads(2).withMaxBatch(64));
 *      BatchingSession batcher = new BatchingSession(session, BatchingOptions.defaults(64)
 *              .withMaxDelay(Duration.ofMillis(2)).withQueueCapacity(256))) {
 *     CompletableFuture<float[]> logits = batcher.submit(pixels, 1);   // from any thread
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Inputs follow the model's declared types: a FLOAT32 input takes a {@link FloatBuffer}
 *       (or {@code float[]}), a UINT8/INT8 input a {@link ByteBuffer} (or {@code byte[]}), one
 *       element per value. They are read when the batch is gathered, not copied at submit:
 *       do not change them until the future completes.</li>
 *   <li>Bounded: a submit when {@link BatchingOptions#queueCapacity()} requests already wait
 *       throws {@link QueueFullException} at once. Wrong sizes or types throw
 *       {@link IllegalArgumentException} at submit, so a bad request never fails a batch.</li>
 *   <li>A run that throws fails the futures of that batch only; the batcher goes on.</li>
 *   <li>Cancelling a future ({@code cancel}) or its timeout passing removes a waiting request
 *       from its batch; one already running is computed and its result dropped.</li>
 *   <li>An interrupt of a batcher thread cancels the one batch it runs or gathers next (the
 *       session throws {@link java.util.concurrent.CancellationException}; those futures fail
 *       with it); the batcher goes on.</li>
 *   <li>Futures complete on the batcher's threads: dependent actions added with
 *       {@code thenApply} etc. run there and delay the next batch; use the {@code ...Async}
 *       variants for anything slow.</li>
 *   <li>{@link #close()} refuses new submits ({@link IllegalStateException}), runs everything
 *       already submitted, and returns when the last batch has finished. It does not close the
 *       session, which the caller made and owns.</li>
 * </ul>
 */
public final class BatchingSession implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BatchingSession.class.getName());

    private final InferenceSession session;
    private final BatchingOptions options;
    private final List<TensorInfo> inputs;
    private final int[] inputSample;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();
    private boolean closed;                                     // guarded by lock
    /** Held by the one runner gathering the next batch; the others run theirs meanwhile. */
    private final ReentrantLock gathering = new ReentrantLock();

    private final Thread[] runners;
    private final ScheduledThreadPoolExecutor timer;            // null without a timeout

    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();

    /**
     * Starts the batcher's threads ({@link BatchingOptions#concurrency()} of them, daemons).
     *
     * @throws IllegalArgumentException when a model input has a type other than FLOAT32, UINT8
     *                                  or INT8, or the batch buffers would not fit one buffer
     */
    public BatchingSession(InferenceSession session, BatchingOptions options) {
        if (session == null || options == null) {
            throw new IllegalArgumentException("session and options must not be null");
        }
        this.session = session;
        this.options = options;
        this.inputs = session.model().inputs();
        this.inputSample = new int[inputs.size()];
        for (int k = 0; k < inputs.size(); k++) {
            DType t = inputs.get(k).dtype();
            if (t != DType.FLOAT32 && t != DType.UINT8 && t != DType.INT8) {
                throw new IllegalArgumentException("input " + inputs.get(k).name() + " has type " + t
                        + "; batching takes FLOAT32, UINT8 and INT8 inputs");
            }
            inputSample[k] = inputs.get(k).sampleSize();
        }
        timer = options.timeout().isZero() ? null : timer();
        runners = new Thread[options.concurrency()];
        for (int i = 0; i < runners.length; i++) {
            BatchBuffers buffers = new BatchBuffers(inputs, session.model().outputs(), options.maxBatch());
            runners[i] = new Thread(() -> runLoop(buffers), "sparse24-batcher-" + i);
            runners[i].setDaemon(true);
        }
        for (Thread t : runners) {
            t.start();
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "sparse24-batcher-timeouts");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);    // completed requests must not stay referenced until their deadline
        return t;
    }

    /** The session this batches for. */
    public InferenceSession session() {
        return session;
    }

    /** The options it was made with. */
    public BatchingOptions options() {
        return options;
    }

    /**
     * Submits a request for a single-input, single-output model with a FLOAT32 input.
     *
     * @param input {@code batch * inputSize} floats, batch first
     * @return a future of {@code batch * outputSize} floats
     * @throws QueueFullException       when the queue is full
     * @throws IllegalArgumentException on a wrong length, batch, input type or model arity
     * @throws IllegalStateException    after {@link #close()}
     */
    public CompletableFuture<float[]> submit(float[] input, int batch) {
        requireSingle();
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        return firstOutput(submit(new Buffer[]{FloatBuffer.wrap(input)}, batch));
    }

    /**
     * Submits a request for a single-input, single-output model with a UINT8 or INT8 input (one
     * byte per value).
     *
     * @see #submit(float[], int)
     */
    public CompletableFuture<float[]> submit(byte[] input, int batch) {
        requireSingle();
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        return firstOutput(submit(new Buffer[]{ByteBuffer.wrap(input)}, batch));
    }

    /**
     * Submits a request for any model.
     *
     * @param inputs one buffer per model input, in order: a {@link FloatBuffer} for FLOAT32, a
     *               {@link ByteBuffer} for UINT8/INT8, each with exactly {@code batch * sampleSize}
     *               values remaining (read from its position, which is not changed)
     * @param batch  batch items in every input, at least 1
     * @return a future of one array per model output, {@code batch * sampleSize} floats each
     * @throws QueueFullException       when the queue is full
     * @throws IllegalArgumentException on a wrong count, type or size (expected and given)
     * @throws IllegalStateException    after {@link #close()}
     */
    public CompletableFuture<float[][]> submit(Buffer[] inputs, int batch) {
        checkInputs(inputs, batch);
        PendingRequest r = new PendingRequest(inputs.clone(), batch, System.nanoTime());
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("batching session is closed");
            }
            if (queue.size() >= options.queueCapacity()) {
                rejected.incrementAndGet();
                notify(BatchingListener::rejected);
                throw new QueueFullException(options.queueCapacity());
            }
            queue.addLast(r);
            submitted.incrementAndGet();
            changed.signal();
        } finally {
            lock.unlock();
        }
        if (timer != null) {
            long ms = options.timeout().toMillis();
            r.timeout = timer.schedule(() -> {
                if (r.future.completeExceptionally(new RequestTimeoutException(ms))) {
                    timedOut.incrementAndGet();
                    notify(BatchingListener::timedOut);
                }
            }, options.timeout().toNanos(), TimeUnit.NANOSECONDS);
            r.future.whenComplete((v, e) -> r.timeout.cancel(false));
        }
        return r.future;
    }

    /** The first output, with cancelling the view cancelling the request (so it leaves the queue). */
    private static CompletableFuture<float[]> firstOutput(CompletableFuture<float[][]> request) {
        CompletableFuture<float[]> view = request.thenApply(r -> r[0]);
        view.whenComplete((v, e) -> {
            if (view.isCancelled()) {
                request.cancel(false);
            }
        });
        return view;
    }

    private void checkInputs(Buffer[] in, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, given " + batch);
        }
        if (in == null || in.length != inputs.size()) {
            throw new IllegalArgumentException("expected " + inputs.size() + " input buffers, given "
                    + (in == null ? "null" : in.length));
        }
        for (int k = 0; k < in.length; k++) {
            TensorInfo info = inputs.get(k);
            boolean floats = info.dtype() == DType.FLOAT32;
            if (floats ? !(in[k] instanceof FloatBuffer) : !(in[k] instanceof ByteBuffer)) {
                throw new IllegalArgumentException("input " + k + " (" + info.name() + ") is " + info.dtype()
                        + ": expected a " + (floats ? "FloatBuffer" : "ByteBuffer") + ", given "
                        + (in[k] == null ? "null" : in[k].getClass().getSimpleName()));
            }
            long need = (long) batch * inputSample[k];
            if (in[k].remaining() != need) {
                throw new IllegalArgumentException("input " + k + " (" + info.name() + "): expected " + batch + " x "
                        + inputSample[k] + " = " + need + " values, given " + in[k].remaining());
            }
        }
    }

    private void requireSingle() {
        if (inputs.size() != 1 || session.model().outputs().size() != 1) {
            throw new IllegalArgumentException("expected a model with 1 input and 1 output for this call, given "
                    + inputs.size() + " inputs and " + session.model().outputs().size()
                    + " outputs; use submit(Buffer[], int)");
        }
    }

    /** Requests waiting for a batch (not counting those running). */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Counters since the start. */
    public BatchingStats stats() {
        return new BatchingStats(submitted.get(), rejected.get(), timedOut.get(), failed.get(), batches.get(),
                samples.get(), queueDepth());
    }

    private void runLoop(BatchBuffers buffers) {
        while (true) {
            List<PendingRequest> batch = gather(buffers.capacity);
            if (batch == null) {
                return;
            }
            if (!batch.isEmpty()) {
                runBatch(batch, buffers);
            }
        }
    }

    /**
     * Takes the next batch: waits for a first live request, then for more until the batch is
     * full or the delay since the oldest's arrival has passed. Null when closed and drained.
     */
    private List<PendingRequest> gather(int capacity) {
        // Waits are uninterruptible and the interrupt status is kept: an interrupt of a batcher
        // thread cancels the batch it runs next (the session throws CancellationException, its
        // requests fail), and the thread goes on.
        boolean interrupted = false;
        gathering.lock();
        try {
            lock.lock();
            try {
                List<PendingRequest> batch = new ArrayList<>();
                int items = 0;
                long deadline = 0;
                while (true) {
                    PendingRequest head = queue.peekFirst();
                    if (head != null && head.future.isDone()) {      // cancelled or timed out while waiting
                        queue.pollFirst();
                        continue;
                    }
                    if (head != null) {
                        if (batch.isEmpty()) {
                            deadline = head.submittedNanos + options.maxDelay().toNanos();
                        } else if (items + head.batch > capacity) {
                            return batch;                           // it starts the next batch
                        }
                        queue.pollFirst();
                        batch.add(head);
                        items += head.batch;
                        if (items >= capacity) {
                            return batch;
                        }
                        continue;
                    }
                    if (batch.isEmpty()) {
                        if (closed) {
                            return null;
                        }
                        changed.awaitUninterruptibly();
                        continue;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || closed) {
                        return batch;
                    }
                    try {
                        changed.awaitNanos(left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                lock.unlock();
            }
        } finally {
            gathering.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runBatch(List<PendingRequest> batch, BatchBuffers buffers) {
        int items = 0;
        for (PendingRequest r : batch) {
            items += r.batch;
        }
        long start = System.nanoTime();
        long wait = start - batch.get(0).submittedNanos;
        float[][][] results = new float[batch.size()][][];
        Throwable failure = null;
        try {
            if (items > buffers.capacity) {
                results[0] = runAlone(batch.get(0));    // larger than maxBatch: only ever alone
            } else {
                runSession(buffers.gather(batch, items), items, buffers.outputs(items));
                int first = 0;
                for (int i = 0; i < batch.size(); i++) {
                    results[i] = buffers.scatter(batch.get(i), first);
                    first += batch.get(i).batch;
                }
            }
        } catch (RuntimeException | Error e) {
            // Even an OutOfMemoryError stays with its batch: the next one may fit, and a
            // runner that died would leave later requests waiting for nobody.
            failure = e;
            Thread.interrupted();   // an interrupt cancels one batch (CancellationException), not the batcher
            LOG.log(System.Logger.Level.WARNING, "batch of " + batch.size() + " requests failed", e);
        }
        long runNanos = System.nanoTime() - start;
        // Counters and listener first, so whoever sees a result also sees it counted.
        batches.incrementAndGet();
        samples.addAndGet(items);
        if (failure != null) {
            failed.addAndGet(batch.size());
        }
        int requests = batch.size();
        int n = items;
        Throwable f = failure;
        notify(l -> l.batchCompleted(requests, n, wait, runNanos, f));
        for (int i = 0; i < batch.size(); i++) {
            if (failure == null) {
                batch.get(i).future.complete(results[i]);
            } else {
                batch.get(i).future.completeExceptionally(failure);
            }
        }
    }

    private float[][] runAlone(PendingRequest r) {
        List<TensorInfo> outs = session.model().outputs();
        float[][] result = new float[outs.size()][];
        FloatBuffer[] out = new FloatBuffer[outs.size()];
        for (int k = 0; k < out.length; k++) {
            result[k] = new float[Math.multiplyExact(r.batch, outs.get(k).sampleSize())];
            out[k] = FloatBuffer.wrap(result[k]);
        }
        runSession(r.inputs, r.batch, out);
        return result;
    }

    private void runSession(Buffer[] in, int batch, FloatBuffer[] out) {
        session.run(in, batch, out);        // typed: FloatBuffer for FLOAT32, ByteBuffer for UINT8/INT8
    }

    private void notify(java.util.function.Consumer<BatchingListener> event) {
        try {
            event.accept(options.listener());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "batching listener threw; ignored", e);
        }
    }

    /**
     * Refuses new submits, runs every request already submitted, and returns once the last batch
     * has finished (at once when called again, or from a future's callback on a batcher thread,
     * which cannot wait for itself). The session stays open.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        for (Thread t : runners) {
            if (t == Thread.currentThread()) {
                continue;
            }
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;             // keep draining: the promise is that nothing is left running
                }
            }
        }
        if (timer != null) {
            timer.shutdown();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
