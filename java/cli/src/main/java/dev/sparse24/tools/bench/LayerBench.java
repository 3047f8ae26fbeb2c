package dev.sparse24.tools.bench;

import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.cpu.SparseGemm;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Tensor;
import org.bytedeco.openblas.global.openblas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One layer case, dense against 2:4 sparse on the same weights, interleaved. GEMM layers are
 * called as {@code bench/}'s JMH {@code SparseGemmBenchmark} calls them: dense through OpenBLAS
 * (sgemv at one row, sgemm otherwise, on {@code threads} OpenBLAS threads) and sparse through
 * {@link SparseGemm} (native kernels at the best ISA; several threads each take a contiguous
 * share of output rows). The conv layer runs as a one-operator model through
 * {@link InferenceSession}, 2:4-compressed filter against the densified graph.
 */
final class LayerBench {
    private LayerBench() {
    }

    /** What one layer case measured. */
    record Result(BenchProfile.LayerShape shape, int batch, int threads, Interleaved.Stats dense,
                  Interleaved.Stats sparse, double denseFloorMs, double sparseFloorMs) {
        /** GEMM rows: the batch, or 196 per image for conv2. */
        long gemmRows() {
            return (long) batch * shape.rowsPerItem();
        }
    }

    static Result run(BenchProfile.LayerShape shape, int batch, int threads, Ceilings ceilings,
                      Interleaved.Budget budget) throws Exception {
        Random rnd = new Random(42);
        float[] w = twoFour(rnd, shape.rows(), shape.cols());
        long m = (long) batch * shape.rowsPerItem();
        Interleaved.Stats[] s = shape.kind() == BenchProfile.LayerShape.Kind.CONV
                ? conv(shape, w, batch, threads, rnd, budget)
                : gemm(shape, w, (int) m, threads, rnd, budget);
        return new Result(shape, batch, threads, s[0], s[1], ceilings.denseFloorMs(m, shape.rows(), shape.cols()),
                ceilings.sparseFloorMs(m, shape.rows(), shape.cols()));
    }

    private static Interleaved.Stats[] gemm(BenchProfile.LayerShape shape, float[] dense, int m, int threads,
                                            Random rnd, Interleaved.Budget budget) throws Exception {
        int rows = shape.rows();
        int cols = shape.cols();
        // Set here, per case: a model session with dense layers sets OpenBLAS to one thread.
        Blas.init(threads);
        Tensor w = Tensor.of(dense, rows, cols);
        float[] xs = new float[Math.multiplyExact(m, cols)];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rnd.nextGaussian();
        }
        Tensor x = Tensor.of(xs, m, cols);
        Tensor yDense = Tensor.zeros(m, rows);
        Tensor ySparse = Tensor.zeros(m, rows);
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1) : null;
        try (SparseGemm sparse = SparseGemm.builder(CompressedWeights.compress(dense, rows, cols)).maxBatch(m).build()) {
            Interleaved.Work denseWork = m == 1
                    ? () -> openblas.cblas_sgemv(openblas.CblasRowMajor, openblas.CblasNoTrans, rows, cols, 1f,
                    w.pointer(), cols, x.pointer(), 1, 0f, yDense.pointer(), 1)
                    : () -> Blas.sgemm(false, true, m, rows, cols, x, w, 0f, yDense);
            Interleaved.Work sparseWork = pool == null ? () -> sparse.run(x, m, ySparse)
                    : () -> splitRows(sparse, x, m, ySparse, threads, pool);
            Interleaved.Stats[] r = Interleaved.measure(List.of(denseWork, sparseWork), budget);
            check(yDense, ySparse, shape);
            return r;
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
            w.pointer().close();
            x.pointer().close();
        }
    }

    /** The calling thread takes the first share of rows, the pool the rest (shares are multiples of 4). */
    private static void splitRows(SparseGemm g, Tensor x, int m, Tensor y, int threads, ExecutorService pool)
            throws Exception {
        int rows = g.rows();
        int share = (rows / threads + 3) & ~3;
        Future<?>[] parts = new Future<?>[threads - 1];
        for (int t = 1; t < threads; t++) {
            int r0 = Math.min(rows, t * share);
            int r1 = t == threads - 1 ? rows : Math.min(rows, (t + 1) * share);
            parts[t - 1] = pool.submit(() -> g.runRows(x, m, y, r0, r1));
        }
        g.runRows(x, m, y, 0, Math.min(rows, share));
        for (Future<?> f : parts) {
            f.get();
        }
    }

    /** The tutorial's conv2 (14x14x32 in, 64 filters 5x5 SAME) as a one-op model, both ways. */
    private static Interleaved.Stats[] conv(BenchProfile.LayerShape shape, float[] w, int batch, int threads,
                                            Random rnd, Interleaved.Budget budget) throws Exception {
        int[] filter = {shape.rows(), 5, 5, shape.cols() / 25};
        List<GraphTensor> tensors = List.of(
                GraphTensor.activation("x", new int[]{-1, 14, 14, filter[3]}, DType.FLOAT32),
                GraphTensor.compressed("conv2", filter, CompressedWeights.compress(w, shape.rows(), shape.cols())),
                GraphTensor.activation("y", new int[]{-1, 14, 14, shape.rows()}, DType.FLOAT32));
        Graph g = new Graph(tensors, List.of(new Operator(OpType.CONV_2D, new int[]{0, 1, -1}, new int[]{2},
                OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE))), new int[]{0}, new int[]{2}, Map.of());
        SessionOptions o = SessionOptions.defaults().withDevice(Device.CPU).withThreads(threads).withMaxBatch(batch);
        int in = 14 * 14 * filter[3];
        int out = 14 * 14 * shape.rows();
        FloatBuffer x = direct(batch * in);
        for (int i = 0; i < batch * in; i++) {
            x.put(i, rnd.nextFloat());
        }
        FloatBuffer yDense = direct(batch * out);
        FloatBuffer ySparse = direct(batch * out);
        try (InferenceSession dense = SparseModel.fromGraph(g.withDenseWeights()).newSession(o);
             InferenceSession sparse = SparseModel.fromGraph(g).newSession(o)) {
            return Interleaved.measure(List.of(() -> dense.run(x, batch, yDense), () -> sparse.run(x, batch, ySparse)),
                    budget);
        }
    }

    static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(floats, 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Random 2:4 weights: two gaussian values at random positions of every group of four. */
    static float[] twoFour(Random rnd, int rows, int cols) {
        float[] w = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g + 4 <= cols; g += 4) {
                int a = rnd.nextInt(4);
                int b = (a + 1 + rnd.nextInt(3)) % 4;
                w[r * cols + g + a] = (float) rnd.nextGaussian();
                w[r * cols + g + b] = (float) rnd.nextGaussian();
            }
        }
        return w;
    }

    /** Both variants computed the same product (a timing of wrong work is worthless). */
    private static void check(Tensor dense, Tensor sparse, BenchProfile.LayerShape shape) {
        int n = dense.size();
        for (int i = 0; i < n; i += Math.max(1, n / 997)) {
            float a = dense.get(i);
            float b = sparse.get(i);
            if (Math.abs(a - b) > 1e-3f * Math.max(1f, Math.abs(a))) {
                throw new IllegalStateException(shape.name() + ": sparse and dense results differ at " + i + ": "
                        + b + " vs " + a);
            }
        }
    }
}
