package dev.sparse24.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;

/**
 * Single-precision GEMM through OpenBLAS (JavaCPP), row-major, on off-heap tensors.
 *
 * <p>All training GEMMs (convolution via im2col, dense layers and their backward passes) go
 * through {@link #sgemm}. OpenBLAS's own thread pool is the only pool used for them, so the
 * cores are never oversubscribed; {@link #init} sets its size.
 */
public final class Blas {
    private static volatile boolean loaded;

    private Blas() {
    }

    /** Loads OpenBLAS once and sets its thread count ({@code threads <= 0}: all cores). */
    public static synchronized void init(int threads) {
        ensureLoaded();
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        openblas.blas_set_num_threads(n);
    }

    private static void ensureLoaded() {
        if (!loaded) {
            synchronized (Blas.class) {
                if (!loaded) {
                    Loader.load(openblas.class);
                    loaded = true;
                }
            }
        }
    }

    /** Number of threads OpenBLAS uses. */
    public static int threads() {
        ensureLoaded();
        int n = openblas.blas_get_num_threads();
        return n > 0 ? n : Runtime.getRuntime().availableProcessors();
    }

    /**
     * C[m,n] = alpha * op(A) * op(B) + beta * C, all row-major, on flat tensor storage.
     *
     * @param transA whether A is stored as [k, m] (true) or [m, k] (false)
     * @param transB whether B is stored as [n, k] (true) or [k, n] (false)
     * @param a      A, starting at element {@code aOff}
     * @param b      B, starting at element {@code bOff}
     * @param c      C, starting at element {@code cOff}; modified
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             Tensor a, int aOff, Tensor b, int bOff, float beta, Tensor c, int cOff) {
        if (m == 0 || n == 0) {
            return;
        }
        // Bounds are checked here, in Java: a wrong shape must never reach native code.
        check("A", a, aOff, (long) m * k);
        check("B", b, bOff, (long) k * n);
        check("C", c, cOff, (long) m * n);
        ensureLoaded();
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        openblas.cblas_sgemm(openblas.CblasRowMajor,
                transA ? openblas.CblasTrans : openblas.CblasNoTrans,
                transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                m, n, k, alpha, at(a, aOff), lda, at(b, bOff), ldb, beta, at(c, cOff), n);
    }

    /** C = op(A) op(B) (+ beta C) on whole tensors viewed as matrices. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             Tensor a, Tensor b, float beta, Tensor c) {
        sgemm(transA, transB, m, n, k, 1f, a, 0, b, 0, beta, c, 0);
    }

    private static void check(String what, Tensor t, int off, long count) {
        if (off < 0 || off + count > t.size()) {
            throw new IllegalArgumentException("GEMM operand " + what + " needs " + count
                    + " elements from offset " + off + ", tensor " + t.shape() + " has " + t.size());
        }
    }

    private static FloatPointer at(Tensor t, int off) {
        return off == 0 ? t.pointer() : new FloatPointer(t.pointer()).position(off);
    }
}
