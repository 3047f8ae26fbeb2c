package dev.sparse24.runtime.cuda;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.runtime.spi.RunArguments;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.runtime.cuda.device.DeviceApi;
import dev.sparse24.runtime.spi.Executor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A graph compiled once for a CUDA device (real or simulated, through {@link DeviceApi}): weights
 * uploaded at construction (2:4 layers lane-packed for our mma.sp kernels, dense ones in 16-bit),
 * activations 16-bit (fp16 or bf16, fp32 accumulation) in device buffers from layer to layer;
 * only the inputs and outputs cross to the host, as fp32.
 *
 * <p>Supported ops: FULLY_CONNECTED and CONV_2D (2:4 or dense, any fused activation), MAX_POOL_2D,
 * AVERAGE_POOL_2D, RESHAPE without activation (a view). Anything else is refused at construction
 * with {@link UnsupportedOperationException} naming the op (the provider turns it into
 * BackendUnavailableException, and Device.AUTO then runs on the CPU).
 *
 * <p>Thread-safe: each concurrent run takes its own {@link CudaWorkspace} (stream, buffers)
 * from a pool; workspaces are made on first need and reused, so steady-state runs allocate no
 * device memory. {@link #close()} waits for runs in flight, frees all device memory and is
 * idempotent; a later run throws IllegalStateException.
 */
public final class CudaExecutor implements Executor {
    private final Graph graph;
    private final DeviceApi device;
    private final String deviceName;
    private final CudaSteps.Context ctx;
    private final int maxBatch;
    private final List<CudaSteps.Step> steps = new ArrayList<>();
    private final int[] inputs;
    private final int[] outputs;
    private final int[] inputSample;
    private final int[] outputSample;
    private final int[] outputSlot;      // staging slot of each output (host buffer; device buffer unless f32Outputs)
    private final boolean[] f32Outputs;  // output written in fp32 by its GEMM straight into its tensor buffer
    private final long[] tensorBytes;
    private final int[] root;
    private final long[] stagingBytes;
    private final long patchBytes;
    private final long gemmBytes;
    private final long splitBytes;
    private final int splitCounters;
    private final int sparseLayers;
    private final int gemmLayers;
    private final ConcurrentLinkedDeque<CudaWorkspace> idle = new ConcurrentLinkedDeque<>();
    private final List<CudaWorkspace> workspaces = new ArrayList<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /**
     * Compiles {@code graph} for {@code device}, uploading the weights.
     *
     * @throws UnsupportedOperationException when the graph holds an op this backend does not run
     * @throws IllegalArgumentException      when a pass of {@code maxBatch} items is too large for the kernels
     * @throws dev.sparse24.runtime.cuda.device.DeviceException when the device fails (e.g. out of memory)
     */
    public CudaExecutor(Graph graph, DeviceApi device, String deviceName, HalfPrecision precision, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, given " + maxBatch);
        }
        this.graph = graph;
        this.device = device;
        this.deviceName = deviceName;
        this.maxBatch = maxBatch;
        this.ctx = new CudaSteps.Context(device, precision, device.info().smCount());
        ShapeInference shapes = ShapeInference.of(graph);
        int n = graph.tensors().size();
        inputs = graph.inputs();
        outputs = graph.outputs();
        inputSample = Arrays.stream(inputs).map(shapes::sampleSize).toArray();
        outputSample = Arrays.stream(outputs).map(shapes::sampleSize).toArray();
        root = new int[n];
        for (int t = 0; t < n; t++) {
            root[t] = t;
        }
        int[] consumers = new int[n];
        for (Operator op : graph.operators()) {
            for (int t : op.inputs()) {
                if (t >= 0) {
                    consumers[t]++;
                }
            }
        }
        boolean[] isOutput = new boolean[n];
        for (int t : outputs) {
            isOutput[t] = true;
        }
        for (int t : inputs) {
            if (isOutput[t]) {
                throw new UnsupportedOperationException("graph input " + graph.tensor(t).name() + " is also an output");
            }
        }
        // Staging slots: one per input, then one per output; an output written in fp32 by its
        // GEMM uses its own tensor buffer (f32Tensor) and needs no convert step.
        stagingBytes = new long[inputs.length + outputs.length];
        outputSlot = new int[outputs.length];
        boolean[] f32Tensor = new boolean[n];
        tensorBytes = new long[n];
        for (int k = 0; k < inputs.length; k++) {
            stagingBytes[k] = 4L * maxBatch * inputSample[k];
            steps.add(new CudaSteps.ConvertIn(ctx, k, inputs[k], inputSample[k]));
        }
        int sparse = 0;
        int gemm = 0;
        try {
            for (Operator op : graph.operators()) {
                int o = op.output(0);
                if (op.outputs().length != 1) {
                    throw new UnsupportedOperationException(op.type() + " with " + op.outputs().length + " outputs");
                }
                boolean gemmOp = op.type() == OpType.FULLY_CONNECTED || op.type() == OpType.CONV_2D;
                f32Tensor[o] = gemmOp && isOutput[o] && consumers[o] == 0 && count(outputs, o) == 1;
                switch (op.type()) {
                    case FULLY_CONNECTED, CONV_2D -> {
                        CudaGemmStep g = new CudaGemmStep(ctx, graph, op, shapes, f32Tensor[o]);
                        steps.add(g);
                        g.checkSizes(maxBatch);
                        gemm++;
                        sparse += g.isSparse() ? 1 : 0;
                    }
                    case MAX_POOL_2D, AVERAGE_POOL_2D -> steps.add(new CudaSteps.Pool(ctx, op, shapes));
                    case RESHAPE -> {
                        if (op.options().activation() != FusedActivation.NONE || isOutput[o]) {
                            throw new UnsupportedOperationException("RESHAPE with an activation or as a graph output");
                        }
                        root[o] = root[op.input(0)];
                        continue;
                    }
                    default -> throw new UnsupportedOperationException(op.type() + " (producing "
                            + graph.tensor(o).name() + ")");
                }
                long elems = (long) maxBatch * shapes.sampleSize(o);
                CudaSteps.checkedInt(elems, "tensor " + graph.tensor(o).name());
                tensorBytes[o] = elems * (f32Tensor[o] ? 4 : 2);
            }
            for (int k = 0; k < inputs.length; k++) {
                long elems = (long) maxBatch * inputSample[k];
                CudaSteps.checkedInt(elems, "input " + graph.tensor(inputs[k]).name());
                tensorBytes[inputs[k]] = elems * 2;
            }
            for (int k = 0; k < outputs.length; k++) {
                int slot = inputs.length + k;
                outputSlot[k] = slot;
                if (!f32Tensor[outputs[k]]) {
                    stagingBytes[slot] = 4L * maxBatch * outputSample[k];
                    steps.add(new CudaSteps.ConvertOut(ctx, outputs[k], slot, outputSample[k]));
                }
            }
        } catch (RuntimeException e) {
            steps.forEach(s -> s.close(device));
            throw e;
        }
        this.f32Outputs = new boolean[outputs.length];
        for (int k = 0; k < outputs.length; k++) {
            f32Outputs[k] = f32Tensor[outputs[k]];
        }
        sparseLayers = sparse;
        gemmLayers = gemm;
        long p = 0;
        long g = 0;
        long s = 0;
        int c = 0;
        for (CudaSteps.Step step : steps) {
            p = Math.max(p, step.patchBytes(maxBatch));
            g = Math.max(g, step.gemmBytes(maxBatch));
            s = Math.max(s, step.splitBytes(maxBatch));
            c = Math.max(c, step.splitCounters(maxBatch));
        }
        patchBytes = p;
        gemmBytes = g;
        splitBytes = s;
        splitCounters = c;
        // One workspace now: running out of device memory shows at session creation, not later.
        try {
            idle.add(newWorkspace());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static int count(int[] a, int v) {
        return (int) Arrays.stream(a).filter(x -> x == v).count();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String description() {
        return deviceName + ": " + sparseLayers + " of " + gemmLayers + " GEMM layers 2:4 on mma.sp kernels, dense ones on "
                + device.denseGemmName()
                + ", " + ctx.precision() + " activations with fp32 accumulation, max batch " + maxBatch;
    }

    @Override
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
            CudaWorkspace ws = idle.pollFirst();
            if (ws == null) {
                ws = newWorkspace();
            }
            try {
                for (int start = 0; start < batch; start += maxBatch) {
                    runChunk(ws, in, out, start, Math.min(maxBatch, batch - start));
                }
            } finally {
                idle.addFirst(ws);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private void runChunk(CudaWorkspace ws, FloatBuffer[] in, FloatBuffer[] out, int start, int n) {
        for (int k = 0; k < inputs.length; k++) {
            FloatBuffer h = ws.host(k).asFloatBuffer();
            int count = n * inputSample[k];
            h.put(0, in[k], in[k].position() + start * inputSample[k], count);
            device.copyToDevice(ws.stream(), ws.staging(k), ws.host(k), 4L * count);
        }
        for (CudaSteps.Step s : steps) {
            s.run(ws, n);
        }
        for (int k = 0; k < outputs.length; k++) {
            int slot = outputSlot[k];
            long src = f32Outputs[k] ? ws.tensor(outputs[k]) : ws.staging(slot);
            int count = n * outputSample[k];
            device.copyToHost(ws.stream(), ws.host(slot), src, 4L * count);
        }
        device.synchronize(ws.stream());
        for (int k = 0; k < outputs.length; k++) {
            int count = n * outputSample[k];
            out[k].put(out[k].position() + start * outputSample[k], ws.host(outputSlot[k]).asFloatBuffer(), 0, count);
        }
    }

    private void check(FloatBuffer[] in, int batch, FloatBuffer[] out) {
        RunArguments.check(graph, inputs, inputSample, outputs, outputSample, in, batch, out);
    }

    private CudaWorkspace newWorkspace() {
        long[] own = new long[tensorBytes.length];
        for (int t = 0; t < own.length; t++) {
            own[t] = root[t] == t ? tensorBytes[t] : 0;
        }
        long[] host = stagingBytes.clone();
        for (int k = 0; k < outputs.length; k++) {
            host[outputSlot[k]] = 4L * maxBatch * outputSample[k];  // f32 outputs: host side only
        }
        CudaWorkspace ws = new CudaWorkspace(device, own, root, stagingBytes, host, patchBytes, gemmBytes, splitBytes,
                splitCounters, ctx);
        synchronized (workspaces) {
            workspaces.add(ws);
        }
        return ws;
    }

    /** Workspaces made so far (as many as runs ever overlapped, at least one). */
    int workspaceCount() {
        synchronized (workspaces) {
            return workspaces.size();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (workspaces) {
                workspaces.forEach(CudaWorkspace::free);
                workspaces.clear();
            }
            idle.clear();
            steps.forEach(s -> s.close(device));
            device.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
