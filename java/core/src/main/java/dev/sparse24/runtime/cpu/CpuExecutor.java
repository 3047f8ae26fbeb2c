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
import java.util.concurrent.ConcurrentLinkedDeque;
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
 * (docs/cpu-notes.md: mixing pools stalled). Batches larger than {@code maxBatch} run in
 * chunks of at most that size, which bounds the workspace memory.
 *
 * <p>Thread-safe. {@link #close()} waits for runs in flight, then frees the native memory;
 * it is idempotent; a run after it throws {@link IllegalStateException}. Arithmetic is IEEE:
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
    private final ConcurrentLinkedDeque<Workspace> idle = new ConcurrentLinkedDeque<>();
    private final List<Workspace> workspaces = new ArrayList<>();
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
        this(graph, threads, maxBatch, Isa.best());
    }

    /** As {@link #CpuExecutor(Graph, int, int)} on a forced ISA (tests: {@link Isa#JAVA}). */
    public CpuExecutor(Graph graph, int threads, int maxBatch, Isa isa) {
        if (threads < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("threads and maxBatch must be >= 1, given " + threads + ", " + maxBatch);
        }
        this.graph = graph;
        this.shapes = GraphShapes.of(graph);
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
     */
    public void run(FloatBuffer[] in, int batch, FloatBuffer[] out) {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        check(in, batch, out);
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("session is closed");
            }
            if (batch == 0) {
                return;
            }
            int chunk = Math.min(maxBatch, pool == null ? batch : (batch + threads - 1) / threads);
            if (pool == null || chunk >= batch) {
                // One chunk on the calling thread: its steps may use the pool themselves.
                for (int start = 0; start < batch; start += chunk) {
                    runChunk(in, out, start, Math.min(chunk, batch - start), pool);
                }
                return;
            }
            runParallel(in, batch, out, chunk);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void runParallel(FloatBuffer[] in, int batch, FloatBuffer[] out, int chunk) {
        int parts = (batch + chunk - 1) / chunk;
        Frame.forkJoin(pool, parts, p -> runChunk(in, out, p * chunk, Math.min(chunk, batch - p * chunk), null),
                "a batch chunk");
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

    private void runChunk(FloatBuffer[] in, FloatBuffer[] out, int start, int n, ExecutorService stepPool) {
        Workspace ws = idle.pollFirst();
        if (ws == null) {
            ws = newWorkspace();
        }
        try {
            Frame f = ws.frame;
            f.pool = stepPool;
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
                    long t0 = System.nanoTime();
                    steps.get(i).run(f, n);
                    stepNanos.addAndGet(i, System.nanoTime() - t0);
                }
            } else {
                for (PlanStep s : steps) {
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
            idle.addFirst(ws);
        }
    }

    private static int countOf(int[] a, int v) {
        int c = 0;
        for (int x : a) {
            c += x == v ? 1 : 0;
        }
        return c;
    }

    private Workspace newWorkspace() {
        Workspace ws = new Workspace();
        synchronized (workspaces) {
            workspaces.add(ws);
        }
        return ws;
    }

    /**
     * Native buffers of one pass: every activation that owns storage (as tensors, which the
     * kernels' row-split entry point takes), and one im2col scratch per worker.
     */
    private final class Workspace {
        final List<Tensor> memory = new ArrayList<>();
        final FloatBuffer[] base = new FloatBuffer[graph.tensors().size()];
        final Tensor[] baseTensors = new Tensor[graph.tensors().size()];
        final Frame frame;

        Workspace() {
            for (int t = 0; t < base.length; t++) {
                if (root[t] == t && shapes.shape(t) != null) {
                    baseTensors[t] = allocate((long) maxBatch * shapes.sampleSize(t));
                }
            }
            for (int t = 0; t < base.length; t++) {
                if (shapes.shape(t) != null) {
                    baseTensors[t] = baseTensors[root[t]];
                    base[t] = baseTensors[t].buffer();
                }
            }
            FloatBuffer[] scratch = new FloatBuffer[threads];
            for (int p = 0; p < threads && scratchFloats > 0; p++) {
                scratch[p] = allocate(scratchFloats).buffer();
            }
            frame = new Frame(base.length, scratch);
        }

        private Tensor allocate(long floats) {
            if (floats > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a workspace buffer of " + floats
                        + " floats is too large; lower maxBatch");
            }
            Tensor t = Tensor.zeros((int) Math.max(floats, 1));
            memory.add(t);
            return t;
        }

        void free() {
            // Explicitly, not at garbage collection: a closed session gives its memory back now.
            memory.forEach(t -> t.pointer().close());
            memory.clear();
        }
    }

    /** Number of workspaces made so far (as many as runs ever overlapped). */
    int workspaceCount() {
        synchronized (workspaces) {
            return workspaces.size();
        }
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
            synchronized (workspaces) {
                workspaces.forEach(Workspace::free);
                workspaces.clear();
            }
            idle.clear();
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
