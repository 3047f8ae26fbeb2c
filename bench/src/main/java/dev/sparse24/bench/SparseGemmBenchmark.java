package dev.sparse24.bench;

import dev.sparse24.runtime.cpu.Isa;
import dev.sparse24.runtime.cpu.SparseGemm;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Tensor;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One fully-connected layer, Y[batch, rows] = X[batch, cols] W^T, one thread by default: 2:4 sparse
 * ({@link SparseGemm}, native kernels at the CPU's best ISA) against dense OpenBLAS (sgemv at
 * batch 1, sgemm otherwise) on the same shapes, in one run so the ratios are comparable.
 *
 * <p>Layers: {@code 4096x4096}; {@code 1024x3136} (the tutorial's dense layer, W [1024, 3136]);
 * {@code conv2} (the tutorial's second convolution as a GEMM: W [64, 800] = 64 filters of
 * 5x5x32, batch*196 patch rows, i.e. {@code batch} images of 14x14 outputs).
 *
 * <p>Run with {@code bench/run-cpu-bench.sh}, which sets OPENBLAS_CORETYPE=SKYLAKEX so that the
 * dense baseline uses OpenBLAS's AVX-512 kernels, and writes results.json.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class SparseGemmBenchmark {
    /** ROWSxCOLS of W, or "conv2" (W [64, 800], 196 GEMM rows per image). */
    @Param({"4096x4096", "1024x3136", "conv2"})
    public String layer;

    /** Rows of X (images for conv2). */
    @Param({"1", "64", "256"})
    public int batch;

    /**
     * "dense" or "sparse". Named so that it sorts last among the parameters: JMH runs the
     * combinations in name order, so each shape's dense and sparse trials run back to back and
     * share the machine's load of the moment.
     */
    @Param({"dense", "sparse"})
    public String variant;

    /**
     * Threads: OpenBLAS's pool for dense; for sparse, this many Java threads each computing a
     * contiguous share of the output rows ({@link SparseGemm#runRows}).
     */
    @Param({"1"})
    public int threads;

    private ExecutorService pool;
    private int rows;
    private int cols;
    private int m;          // GEMM rows of X and Y
    private Tensor x;       // [m, cols]
    private Tensor w;       // [rows, cols] dense (2:4 pattern)
    private Tensor y;       // [m, rows]
    private SparseGemm sparse;

    @Setup(Level.Trial)
    public void setUp() {
        Blas.init(threads);
        if (threads > 1) {
            pool = Executors.newFixedThreadPool(threads - 1);
        }
        if (layer.equals("conv2")) {
            rows = 64;
            cols = 800;
            m = batch * 196;
        } else {
            String[] p = layer.split("x");
            rows = Integer.parseInt(p[0]);
            cols = Integer.parseInt(p[1]);
            m = batch;
        }
        Random rnd = new Random(42);
        float[] dense = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols / 4; g++) {
                int a = rnd.nextInt(4);
                int b = (a + 1 + rnd.nextInt(3)) % 4;
                dense[r * cols + 4 * g + a] = (float) rnd.nextGaussian();
                dense[r * cols + 4 * g + b] = (float) rnd.nextGaussian();
            }
        }
        w = Tensor.of(dense, rows, cols);
        float[] xs = new float[m * cols];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rnd.nextGaussian();
        }
        x = Tensor.of(xs, m, cols);
        y = Tensor.zeros(m, rows);
        if (variant.equals("sparse")) {
            sparse = SparseGemm.builder(CompressedWeights.compress(dense, rows, cols)).build();
            System.out.println("# sparse kernels: " + sparse + ", best ISA " + Isa.best());
        }
        System.out.println("# OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE")
                + " OPENBLAS_L2_SIZE=" + System.getenv("OPENBLAS_L2_SIZE")
                + " OpenBLAS threads=" + Blas.threads());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (sparse != null) {
            sparse.close();
        }
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** One forward call of the layer. */
    @Benchmark
    public Tensor layer() {
        if (sparse != null && pool != null) {
            // The calling thread takes the first share; the pool the rest (row ranges are
            // multiples of 4 so that no register block straddles two threads' shares).
            Future<?>[] parts = new Future<?>[threads - 1];
            int share = (rows / threads + 3) & ~3;
            for (int t = 1; t < threads; t++) {
                int r0 = Math.min(rows, t * share);
                int r1 = t == threads - 1 ? rows : Math.min(rows, (t + 1) * share);
                parts[t - 1] = pool.submit(() -> sparse.runRows(x, m, y, r0, r1));
            }
            sparse.runRows(x, m, y, 0, Math.min(rows, share));
            for (Future<?> f : parts) {
                try {
                    f.get();
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException(e);
                }
            }
        } else if (sparse != null) {
            sparse.run(x, m, y);
        } else if (m == 1) {
            // y[rows] = W[rows, cols] x[cols]: OpenBLAS's GEMV, its best path for one vector.
            openblas.cblas_sgemv(openblas.CblasRowMajor, openblas.CblasNoTrans, rows, cols, 1f,
                    w.pointer(), cols, x.pointer(), 1, 0f, y.pointer(), 1);
        } else {
            Blas.sgemm(false, true, m, rows, cols, x, w, 0f, y);
        }
        return y;
    }
}
