package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.spi.RunArguments;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.tensor.Blas;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntConsumer;

/**
 * Runs an {@link ExecutionPlan} on the CPU: schedules a batch over the worker pool, binds the
 * caller's buffers into a workspace's frame, runs the steps. The plan says what runs,
 * {@link WorkspacePool} owns the scratch memory (one buffer per activation plus im2col scratch,
 * native), {@link StepProfile} times steps when asked; concurrent runs never share scratch: a
 * pass takes a workspace, uses it alone and gives it back.
 *
 * <p>Threading: one pool of {@code threads} workers (the calling thread is one of them) splits a
 * batch into chunks, or - for a batch too small to split - the work inside each GEMM step.
 * OpenBLAS is set to one thread because the cores are already ours (docs/cpu-notes.md:
 * mixing pools stalled); that setting is process-wide (OpenBLAS has one thread count). Batches
 * larger than {@code maxBatch} run in chunks of at most that size, which bounds the workspace
 * memory; at most {@code maxWorkspaces} workspaces exist (callers beyond wait), which bounds it
 * across callers.
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
    private final ExecutionPlan plan;
    private final int[] inputs;
    private final int[] outputs;
    private final int[] inputSample;
    private final int[] outputSample;
    private final int threads;
    private final int maxBatch;
    private final Isa isa;
    private final StepProfile profile;     // null unless profiling
    private final ExecutorService pool;
    private final WorkspacePool workspaces;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile IntConsumer beforeStep; // tests only: see beforeStep(IntConsumer)

    /**
     * Compiles {@code graph} for this CPU (the widest ISA the native kernels run here, or the Java
     * reference when they cannot load).
     *
     * @param threads  worker threads (>= 1)
     * @param maxBatch the most batch items one pass computes (>= 1)
     * @throws IllegalArgumentException when the graph holds an unsupported op or inconsistent shapes
     */
    public CpuExecutor(Graph graph, int threads, int maxBatch) {
        this(graph, threads, maxBatch, 0, false, Isa.best());
    }

    /** As {@link #CpuExecutor(Graph, int, int)} on a forced ISA (tests: {@link Isa#JAVA}). */
    public CpuExecutor(Graph graph, int threads, int maxBatch, Isa isa) {
        this(graph, threads, maxBatch, 0, false, isa);
    }

    /**
     * As {@link #CpuExecutor(Graph, int, int)} with every setting.
     *
     * @param maxWorkspaces the most workspaces (scratch sets of {@code maxBatch} items) kept;
     *                      runs beyond wait for a free one. 0: {@code max(threads, available
     *                      processors)}
     * @param profiling     time every step and log the totals at close (INFO)
     * @throws IllegalArgumentException also when a workspace buffer of {@code maxBatch} items
     *                                  would exceed 2^31-1 floats (checked before anything is
     *                                  allocated; the message gives the largest maxBatch)
     */
    public CpuExecutor(Graph graph, int threads, int maxBatch, int maxWorkspaces, boolean profiling, Isa isa) {
        if (threads < 1 || maxBatch < 1 || maxWorkspaces < 0) {
            throw new IllegalArgumentException("threads and maxBatch must be >= 1 and maxWorkspaces >= 0, given "
                    + threads + ", " + maxBatch + ", " + maxWorkspaces);
        }
        this.plan = new ExecutionPlan(graph, maxBatch, isa);
        this.threads = threads;
        this.maxBatch = maxBatch;
        this.isa = isa;
        inputs = plan.inputs;
        outputs = plan.outputs;
        inputSample = plan.inputSample;
        outputSample = plan.outputSample;
        profile = profiling ? new StepProfile(plan.stepNames) : null;
        if (plan.gemmLayers > plan.sparseLayers) {
            Blas.init(1);
        }
        // Workers poll their queue briefly before parking (SpinningQueue): a layer's parts are
        // handed out tens of microseconds apart, about what waking a parked thread costs.
        pool = threads > 1 ? new java.util.concurrent.ThreadPoolExecutor(threads - 1, threads - 1, 0L,
                java.util.concurrent.TimeUnit.MILLISECONDS, new SpinningQueue(), daemonThreads()) : null;
        workspaces = new WorkspacePool(() -> plan.newWorkspace(threads),
                maxWorkspaces > 0 ? maxWorkspaces : WorkspacePool.defaultCapacity(threads));
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "sparse24-cpu-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The inferred activation shapes (batch of one). */
    public ShapeInference shapes() {
        return plan.shapes;
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
        return "CPU: " + kernels + ", " + plan.sparseLayers + " of " + plan.gemmLayers + " GEMM layers 2:4, dense ones on OpenBLAS, "
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
        RunArguments.check(plan.graph, inputs, inputSample, outputs, outputSample, in, batch, out);
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
                if (plan.produced[t] && usableInPlace(out[k]) && countOf(outputs, t) == 1) {
                    f.values[t] = Frame.slice(out[k], out[k].position() + start * outputSample[k], n * outputSample[k]);
                    f.tensors[t] = null;
                    bound[k] = true;
                }
            }
            for (int[] a : plan.aliases) {
                f.values[a[0]] = f.values[a[1]];
                f.tensors[a[0]] = f.tensors[a[1]];
            }
            runSteps(f, n, control);
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

    private void runSteps(Frame f, int n, RunControl control) {
        IntConsumer hook = beforeStep;
        for (int i = 0; i < plan.steps.size(); i++) {
            control.checkpoint();
            if (hook != null) {
                hook.accept(i);
            }
            if (profile == null) {
                plan.steps.get(i).run(f, n);
            } else {
                long t0 = System.nanoTime();
                plan.steps.get(i).run(f, n);
                profile.add(i, System.nanoTime() - t0);
            }
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

    /** Milliseconds spent in plan step {@code step} so far, or -1 when not profiling. */
    double profiledMillis(int step) {
        return profile == null ? -1 : profile.millis(step);
    }

    /**
     * Tests only: {@code hook} is called with the step index on the worker thread, before each
     * step of every pass (lets a test hold a pass mid-flight); null removes it.
     */
    void beforeStep(IntConsumer hook) {
        beforeStep = hook;
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
            if (profile != null) {
                System.getLogger(CpuExecutor.class.getName()).log(System.Logger.Level.INFO, profile.report());
            }
            plan.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
