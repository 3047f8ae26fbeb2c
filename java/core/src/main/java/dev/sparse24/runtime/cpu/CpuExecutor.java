package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Tensor;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A graph compiled once for the CPU: one {@link PlanStep} per operator (2:4 FULLY_CONNECTED and
 * CONV_2D through {@link SparseGemm}, dense ones through OpenBLAS, the rest in Java), RESHAPE as a
 * view of its input, and a pool of workspaces (one buffer per activation plus im2col scratch,
 * in native memory) so that concurrent runs never share scratch: a pass takes a workspace,
 * uses it alone and gives it back.
 *
 * <p>Threading: one pool of {@code threads} workers (the calling thread is one of them) splits a
 * batch into chunks, or - for a batch too small to split - the work inside each GEMM step; OpenBLAS is set to one thread because the cores are already ours
 * (reference.md section 6: mixing pools stalled). Batches larger than {@code maxBatch} run in
 * chunks of at most that size, which bounds the workspace memory; at most {@code maxWorkspaces}
 * workspaces exist ({@link WorkspacePool}: callers beyond wait), which bounds it across callers.
 *
 * <p>Thread-safe. {@link #close()} waits for runs in flight, then frees the native memory;
 * it is idempotent; a run after it throws {@link IllegalStateException}. A run whose caller is
 * interrupted stops after the step each of its workers is in and throws
 * {@link java.util.concurrent.CancellationException} only once they have all finished (see
 * {@link RunControl}); the caller's interrupt status stays set. Arithmetic is IEEE:
 * NaN and infinities in inputs propagate as float arithmetic does (max pooling and ReLU keep a
 * NaN only where the comparison lets it through, as in the reference).
 */
public final class CpuExecutor implements AutoCloseable {
    private final Graph graph;
    private final GraphShapes shapes;
    private final List<PlanStep> steps = new ArrayList<>();
    // -Dsparse24.profile=true: time every step and log the totals at close (what a user tuning a
    // model asks first: which layer takes the time). Off, it costs one branch per step.
    private static final boolean PROFILE = Boolean.getBoolean("sparse24.profile");
    private final AtomicLongArray stepNanos;
    private final List<String> stepNames = new ArrayList<>();
    private final int[] root;             // the tensor whose buffer holds tensor t (RESHAPE views)
    private final int[][] aliases;        // (output, input) of each view, in op order
    private final boolean[] produced;     // written by a step (not a view, not an input)
    private final int[] inputs;
    private final int[] outputs;
    private final int[] inputSample;
    private final int[] outputSample;
    private final int threads;
    private final int maxBatch;
    private final long scratchFloats;
    private final Isa isa;
    private final int sparseLayers;
    private final int gemmLayers;
    private final ExecutorService pool;
    private final WorkspacePool workspaces;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /**
     * Compiles {@code graph} for this CPU (the widest ISA the native kernels run here, or the Java
     * reference when they cannot load).
     *
     * @param threads  worker threads (>= 1)
     * @param maxBatch the most batch items one pass computes (>= 1)
     * @throws IllegalArgumentException when the graph holds an unsupported op or inconsistent shapes
     */
    public CpuExecutor(Graph graph, int threads, int maxBatch) {
        this(graph, threads, maxBatch, 0, Isa.best());
    }

    /** As {@link #CpuExecutor(Graph, int, int)} on a forced ISA (tests: {@link Isa#JAVA}). */
    public CpuExecutor(Graph graph, int threads, int maxBatch, Isa isa) {
        this(graph, threads, maxBatch, 0, isa);
    }

    /**
     * As {@link #CpuExecutor(Graph, int, int)} with a cap on the workspaces.
     *
     * @param maxWorkspaces the most workspaces (scratch sets of {@code maxBatch} items) kept;
     *                      runs beyond wait for a free one. 0: {@code max(threads, available
     *                      processors)}
     * @throws IllegalArgumentException also when a workspace buffer of {@code maxBatch} items
     *                                  would exceed 2^31-1 floats (checked before anything is
     *                                  allocated; the message gives the largest maxBatch)
     */
    public CpuExecutor(Graph graph, int threads, int maxBatch, int maxWorkspaces, Isa isa) {
        if (threads < 1 || maxBatch < 1 || maxWorkspaces < 0) {
            throw new IllegalArgumentException("threads and maxBatch must be >= 1 and maxWorkspaces >= 0, given "
                    + threads + ", " + maxBatch + ", " + maxWorkspaces);
        }
        this.graph = graph;
        this.shapes = GraphShapes.of(graph);
        checkMaxBatch(graph, shapes, maxBatch);
        this.threads = threads;
        this.maxBatch = maxBatch;
        this.isa = isa;
        int n = graph.tensors().size();
        root = new int[n];
        for (int t = 0; t < n; t++) {
            root[t] = t;
        }
        produced = new boolean[n];
        List<int[]> views = new ArrayList<>();
        int sparse = 0;
        int gemm = 0;
        try {
            for (Operator op : graph.operators()) {
                PlanStep step = compile(op);
                if (step == null) {
                    root[op.output(0)] = root[op.input(0)];
                    views.add(new int[]{op.output(0), op.input(0)});
                    continue;
                }
                if (step instanceof GemmStep g) {
                    gemm++;
                    sparse += g.isSparse() ? 1 : 0;
                }
                steps.add(step);
                stepNames.add(op.type() + " -> " + graph.tensor(op.output(0)).name()
                        + (step instanceof GemmStep g && g.isSparse() ? " (2:4)" : ""));
                produced[op.output(0)] = true;
            }
        } catch (RuntimeException e) {
            steps.forEach(PlanStep::close);
            throw e;
        }
        sparseLayers = sparse;
        gemmLayers = gemm;
        stepNanos = new AtomicLongArray(steps.size());
        aliases = views.toArray(new int[0][]);
        inputs = graph.inputs();
        outputs = graph.outputs();
        inputSample = Arrays.stream(inputs).map(shapes::sampleSize).toArray();
        outputSample = Arrays.stream(outputs).map(shapes::sampleSize).toArray();
        long scratch = 0;
        for (PlanStep s : steps) {
            scratch = Math.max(scratch, s.scratchFloats(maxBatch));
        }
        scratchFloats = scratch;
        if (gemm > sparse) {
            Blas.init(1);
        }
        pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, daemonThreads()) : null;
        workspaces = new WorkspacePool(() -> new Workspace(root, shapes, maxBatch, threads, scratchFloats),
                maxWorkspaces > 0 ? maxWorkspaces : WorkspacePool.defaultCapacity(threads));
    }

    /** Refuses a maxBatch whose activation buffers could not be allocated (Java arrays and buffers end at 2^31-1). */
    private static void checkMaxBatch(Graph graph, GraphShapes shapes, int maxBatch) {
        int largest = -1;
        for (int t = 0; t < graph.tensors().size(); t++) {
            if (shapes.shape(t) != null && (largest < 0 || shapes.sampleSize(t) > shapes.sampleSize(largest))) {
                largest = t;
            }
        }
        if (largest >= 0 && (long) maxBatch * shapes.sampleSize(largest) > Integer.MAX_VALUE) {
            int size = shapes.sampleSize(largest);
            throw new IllegalArgumentException("maxBatch " + maxBatch + " is too large for this model: tensor '"
                    + graph.tensor(largest).name() + "' holds " + size + " floats per item and a buffer at most "
                    + Integer.MAX_VALUE + " floats, so maxBatch can be at most " + Integer.MAX_VALUE / size);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "sparse24-cpu-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The step for {@code op}, or null when it is a view (a RESHAPE without activation). */
    private PlanStep compile(Operator op) {
        return switch (op.type()) {
            case FULLY_CONNECTED, CONV_2D -> new GemmStep(graph, op, shapes, isa, maxBatch);
            case DEPTHWISE_CONV_2D -> new JavaSteps.Depthwise(graph, op, shapes);
            case MAX_POOL_2D, AVERAGE_POOL_2D -> new JavaSteps.Pool(op, shapes);
            case SOFTMAX -> new JavaSteps.Softmax(op, shapes);
            case MEAN -> new JavaSteps.Mean(graph, op, shapes);
            case ADD, MUL -> new JavaSteps.Binary(graph, op, shapes);
            case RELU, RELU6, LOGISTIC, TANH -> new JavaSteps.Unary(op, shapes);
            case RESHAPE -> op.options().activation() == FusedActivation.NONE ? null : new JavaSteps.Copy(op, shapes);
        };
    }

    /** The inferred activation shapes (batch of one). */
    public GraphShapes shapes() {
        return shapes;
    }

    /** The ISA of the 2:4 kernels ({@link Isa#JAVA}: the plain-Java reference). */
    public Isa isa() {
        return isa;
    }

    /** Worker threads. */
    public int threads() {
        return threads;
    }

    /** What runs, in words: kernels, layer counts, threads. */
    public String description() {
        String kernels = isa == Isa.JAVA
                ? "2:4 layers on the plain-Java reference" + (NativeLibrary.failure() != null
                ? " (native kernels unavailable: " + NativeLibrary.failure() + ")" : "")
                : "2:4 layers on native " + isa + " kernels";
        return "CPU: " + kernels + ", " + sparseLayers + " of " + gemmLayers + " GEMM layers 2:4, dense ones on OpenBLAS, "
                + threads + " thread" + (threads == 1 ? "" : "s") + ", max batch " + maxBatch;
    }

    /**
     * Runs the graph for {@code batch} items.
     *
     * <p>Buffers are read and written from their positions, which are not changed. Direct buffers
     * in native byte order are used in place (no copy) - inputs read, outputs written by the last
     * operator; heap or foreign-order buffers are copied through the workspace.
     *
     * @param in  one buffer per graph input, exactly {@code batch * sampleSize} floats remaining
     * @param out one buffer per graph output, at least {@code batch * sampleSize} floats remaining
     * @throws IllegalArgumentException on a wrong count or size (expected and given)
     * @throws IllegalStateException    after {@link #close()}
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted
     *         before or during the run (cause: {@link InterruptedException}; the interrupt status
     *         stays set; the outputs are then partly written)
     */
    public void run(FloatBuffer[] in, int batch, FloatBuffer[] out) {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        check(in, batch, out);
        RunControl control = new RunControl(Thread.currentThread());
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("session is closed");
            }
            // An interrupted thread starts nothing (as blocking JDK methods do).
            control.checkpoint();
            if (batch == 0) {
                return;
            }
            int chunk = Math.min(maxBatch, pool == null ? batch : (batch + threads - 1) / threads);
            if (pool == null || chunk >= batch) {
                // On the calling thread, chunk after chunk: its steps may use the pool themselves.
                Workspace ws = workspaces.acquire(control);
                try {
                    for (int start = 0; start < batch; start += chunk) {
                        runChunk(ws, in, out, start, Math.min(chunk, batch - start), pool, control);
                    }
                } finally {
                    workspaces.release(ws);
                }
                return;
            }
            runParallel(in, batch, out, chunk, control);
        } catch (RunControl.Stopped e) {
            // Every worker of this run has finished (forkJoin waits for all): safe to give up now.
            throw control.cancellation();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Chunks of {@code chunk} items over the caller and the pool: one worker per workspace the
     * caller could take (the first waited for, the others only if free), each taking the next
     * chunk until none is left. Workers never wait for a workspace themselves, so a full pool
     * cannot stall the step workers another run is waiting for.
     */
    private void runParallel(FloatBuffer[] in, int batch, FloatBuffer[] out, int chunk, RunControl control) {
        int parts = (batch + chunk - 1) / chunk;
        Workspace[] held = new Workspace[Math.min(threads, parts)];
        held[0] = workspaces.acquire(control);
        int workers = 1;
        while (workers < held.length && (held[workers] = workspaces.tryAcquire()) != null) {
            workers++;
        }
        AtomicInteger next = new AtomicInteger();
        try {
            Frame.forkJoin(pool, workers, w -> {
                for (int c = next.getAndIncrement(); c < parts; c = next.getAndIncrement()) {
                    runChunk(held[w], in, out, c * chunk, Math.min(chunk, batch - c * chunk), null, control);
                }
            }, control);
        } finally {
            // forkJoin returned: every worker has finished with its workspace.
            for (int w = 0; w < workers; w++) {
                workspaces.release(held[w]);
            }
        }
    }

    private void check(FloatBuffer[] in, int batch, FloatBuffer[] out) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, given " + batch);
        }
        if (in == null || in.length != inputs.length) {
            throw new IllegalArgumentException("expected " + inputs.length + " input buffers, given "
                    + (in == null ? "null" : in.length));
        }
        if (out == null || out.length != outputs.length) {
            throw new IllegalArgumentException("expected " + outputs.length + " output buffers, given "
                    + (out == null ? "null" : out.length));
        }
        for (int k = 0; k < in.length; k++) {
            long need = (long) batch * inputSample[k];
            if (in[k] == null || in[k].remaining() != need) {
                throw new IllegalArgumentException("input " + k + " (" + graph.tensor(inputs[k]).name() + "): expected "
                        + batch + " x " + inputSample[k] + " = " + need + " floats, given "
                        + (in[k] == null ? "null" : in[k].remaining()));
            }
        }
        for (int k = 0; k < out.length; k++) {
            long need = (long) batch * outputSample[k];
            if (out[k] == null || out[k].remaining() < need) {
                throw new IllegalArgumentException("output " + k + " (" + graph.tensor(outputs[k]).name()
                        + "): expected room for " + batch + " x " + outputSample[k] + " = " + need + " floats, given "
                        + (out[k] == null ? "null" : out[k].remaining()));
            }
            if (out[k].isReadOnly()) {
                throw new IllegalArgumentException("output " + k + ": expected a writable buffer, given a read-only one");
            }
        }
    }

    private static boolean usableInPlace(FloatBuffer b) {
        return b.isDirect() && b.order() == ByteOrder.nativeOrder();
    }

    private void runChunk(Workspace ws, FloatBuffer[] in, FloatBuffer[] out, int start, int n,
                          ExecutorService stepPool, RunControl control) {
        Frame f = ws.frame;
        try {
            f.pool = stepPool;
            f.control = control;
            System.arraycopy(ws.base, 0, f.values, 0, ws.base.length);
            System.arraycopy(ws.baseTensors, 0, f.tensors, 0, ws.baseTensors.length);
            for (int k = 0; k < inputs.length; k++) {
                int t = inputs[k];
                int off = in[k].position() + start * inputSample[k];
                int count = n * inputSample[k];
                if (usableInPlace(in[k]) && !in[k].isReadOnly()) {
                    f.values[t] = Frame.slice(in[k], off, count);
                    f.tensors[t] = null;
                } else {
                    f.values[t].put(0, in[k], off, count);
                }
            }
            boolean[] bound = new boolean[outputs.length];
            for (int k = 0; k < outputs.length; k++) {
                int t = outputs[k];
                if (produced[t] && usableInPlace(out[k]) && countOf(outputs, t) == 1) {
                    f.values[t] = Frame.slice(out[k], out[k].position() + start * outputSample[k], n * outputSample[k]);
                    f.tensors[t] = null;
                    bound[k] = true;
                }
            }
            for (int[] a : aliases) {
                f.values[a[0]] = f.values[a[1]];
                f.tensors[a[0]] = f.tensors[a[1]];
            }
            if (PROFILE) {
                for (int i = 0; i < steps.size(); i++) {
                    control.checkpoint();
                    long t0 = System.nanoTime();
                    steps.get(i).run(f, n);
                    stepNanos.addAndGet(i, System.nanoTime() - t0);
                }
            } else {
                for (PlanStep s : steps) {
                    control.checkpoint();
                    s.run(f, n);
                }
            }
            for (int k = 0; k < outputs.length; k++) {
                if (!bound[k]) {
                    out[k].put(out[k].position() + start * outputSample[k], f.values[outputs[k]], 0,
                            n * outputSample[k]);
                }
            }
        } finally {
            f.control = null;
            f.pool = null;
        }
    }

    private static int countOf(int[] a, int v) {
        int c = 0;
        for (int x : a) {
            c += x == v ? 1 : 0;
        }
        return c;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Number of workspaces made so far (at most the pool's cap). */
    int workspaceCount() {
        return workspaces.created();
    }

    /** Waits for runs in flight, then frees all native memory; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (pool != null) {
                pool.shutdownNow();
            }
            workspaces.freeAll();
            if (PROFILE) {
                StringBuilder b = new StringBuilder("time per step (sparse24.profile):");
                for (int i = 0; i < steps.size(); i++) {
                    b.append(String.format(java.util.Locale.ROOT, "%n  %2d %-50s %10.3f ms", i, stepNames.get(i),
                            stepNanos.get(i) / 1e6));
                }
                System.getLogger(CpuExecutor.class.getName()).log(System.Logger.Level.INFO, b.toString());
            }
            steps.forEach(PlanStep::close);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
