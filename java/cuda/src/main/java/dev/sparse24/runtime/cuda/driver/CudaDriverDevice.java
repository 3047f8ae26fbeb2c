package dev.sparse24.runtime.cuda.driver;

import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.device.DeviceApi;
import dev.sparse24.runtime.cuda.device.DeviceException;
import dev.sparse24.runtime.cuda.device.DeviceInfo;
import dev.sparse24.runtime.cuda.device.KernelArgs;
import dev.sparse24.runtime.cuda.device.LaunchShape;
import dev.sparse24.runtime.spi.Availability;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DeviceApi} on a real NVIDIA GPU through org.bytedeco:cuda: our fatbin loaded with
 * cuModuleLoadData and launched with cuModuleGetFunction/cuLaunchKernel, memory, copies and
 * streams through the runtime API (its primary context is what the driver calls then use),
 * the dense GEMM through cublasGemmEx (16-bit operands, fp32 compute and output), one cuBLAS
 * handle per stream. Every status is checked and becomes a {@link DeviceException} naming the
 * call and the CUDA error.
 *
 * <p>The bytedeco classes are touched only after {@link #probe} found that their JNI loads;
 * a load failure is remembered and the classes are never touched again (they would throw
 * NoClassDefFoundError). Only functions present in the CUDA 13.0 runtime are called (the 13.1
 * JNI kills the JVM when it calls one of the 21 newer ones on 13.0, reference.md section 7).
 *
 * <p>NOT YET RUN ON A GPU: written and compiled without one (cuda/NOTES.md lists what is unverified).
 */
public final class CudaDriverDevice implements DeviceApi {
    /** Classpath resource of the fatbin (cuda/build.sh, packaged by the Maven build when nvcc exists). */
    public static final String FATBIN = "/dev/sparse24/cuda/sparse24.fatbin";
    private static volatile String loadFailure;
    private static volatile boolean loaded;

    private final int index;
    private final DeviceInfo info;
    private final CUmod_st module = new CUmod_st();
    private final ConcurrentHashMap<String, CUfunc_st> functions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> sharedSet = new ConcurrentHashMap<>();
    private final BytePointer image;
    private volatile boolean closed;

    /** Whether device {@code index} can run our kernels here, and if not why. Never throws. */
    public static synchronized Availability probe(int index) {
        if (loadFailure == null && !loaded) {
            try {
                Loader.load(cudart.class);
                Loader.load(cublas.class);
                loaded = true;
            } catch (Throwable t) {  // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
                // JavaCPP's message ends with the whole java.library.path: keep the part that says what.
                String why = String.valueOf(t.getMessage());
                int cut = why.indexOf(" in java.library.path");
                loadFailure = "the CUDA libraries do not load (libcuda.so.1, libcudart.so.13 and libcublas.so.13 are needed): "
                        + t.getClass().getSimpleName() + ": " + (cut > 0 ? why.substring(0, cut) : why);
            }
        }
        if (loadFailure != null) {
            return Availability.no(loadFailure);
        }
        int[] count = new int[1];
        int rc = cudart.cudaGetDeviceCount(count);
        if (rc != cudart.cudaSuccess) {
            return Availability.no("cudaGetDeviceCount failed: " + errorName(rc) + " (no driver or no device)");
        }
        if (count[0] == 0) {
            return Availability.no("no CUDA device");
        }
        if (index >= count[0]) {
            return Availability.no("device " + index + " asked for, " + count[0] + " present");
        }
        int[] major = new int[1];
        int[] minor = new int[1];
        cudart.cudaDeviceGetAttribute(major, cudart.cudaDevAttrComputeCapabilityMajor, index);
        cudart.cudaDeviceGetAttribute(minor, cudart.cudaDevAttrComputeCapabilityMinor, index);
        if (major[0] < 8) {
            return Availability.no("device " + index + " has compute capability " + major[0] + "." + minor[0]
                    + "; 2:4 sparse tensor cores need 8.0");
        }
        if (CudaDriverDevice.class.getResource(FATBIN) == null) {
            return Availability.no("this sparse24-cuda jar holds no kernels (" + FATBIN + "; built without nvcc)");
        }
        return Availability.yes("device " + index + ", compute capability " + major[0] + "." + minor[0]);
    }

    /**
     * Opens device {@code index}: sets it current, loads the fatbin.
     *
     * @throws IllegalStateException when {@link #probe} says it is not available
     * @throws DeviceException       when a CUDA call fails
     */
    public CudaDriverDevice(int index) {
        Availability a = probe(index);
        if (!a.available()) {
            throw new IllegalStateException(a.reason());
        }
        this.index = index;
        bind();
        check(cudart.cudaFree(null), "cudaFree(nullptr) (creating the primary context)");
        int[] v = new int[1];
        check(cudart.cudaDeviceGetAttribute(v, cudart.cudaDevAttrMultiProcessorCount, index), "cudaDeviceGetAttribute");
        int sms = v[0];
        int[] major = new int[1];
        int[] minor = new int[1];
        cudart.cudaDeviceGetAttribute(major, cudart.cudaDevAttrComputeCapabilityMajor, index);
        cudart.cudaDeviceGetAttribute(minor, cudart.cudaDevAttrComputeCapabilityMinor, index);
        org.bytedeco.javacpp.SizeTPointer free = new org.bytedeco.javacpp.SizeTPointer(1);
        org.bytedeco.javacpp.SizeTPointer total = new org.bytedeco.javacpp.SizeTPointer(1);
        check(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
        info = new DeviceInfo("CUDA device " + index, major[0], minor[0], sms, total.get());
        byte[] bytes;
        try (var in = CudaDriverDevice.class.getResourceAsStream(FATBIN)) {
            bytes = in.readAllBytes();
        } catch (java.io.IOException | NullPointerException e) {
            throw new DeviceException("reading " + FATBIN, e.toString(), false);
        }
        image = new BytePointer(bytes.length + 1L);
        image.put(bytes);
        checkDriver(cudart.cuModuleLoadData(module, image), "cuModuleLoadData(sparse24.fatbin)");
    }

    /** Makes this device current on the calling thread (the runtime API is per thread). */
    private void bind() {
        check(cudart.cudaSetDevice(index), "cudaSetDevice(" + index + ")");
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    @Override
    public long allocate(long bytes) {
        bind();
        PointerPointer<Pointer> p = new PointerPointer<>(1);
        int rc = cudart.cudaMalloc(p, Math.max(bytes, 1));
        if (rc != cudart.cudaSuccess) {
            throw new DeviceException("cudaMalloc(" + bytes + " bytes)", errorName(rc), rc == cudart.cudaErrorMemoryAllocation);
        }
        return p.get(0).address();
    }

    @Override
    public void free(long address) {
        if (address != 0) {
            bind();
            check(cudart.cudaFree(at(address)), "cudaFree");
        }
    }

    @Override
    public ByteBuffer allocateHost(long bytes) {
        bind();
        PointerPointer<Pointer> p = new PointerPointer<>(1);
        int rc = cudart.cudaMallocHost(p, Math.max(bytes, 1));
        if (rc != cudart.cudaSuccess) {
            throw new DeviceException("cudaMallocHost(" + bytes + " bytes)", errorName(rc),
                    rc == cudart.cudaErrorMemoryAllocation);
        }
        return p.get(0).capacity(Math.max(bytes, 1)).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    @Override
    public void freeHost(ByteBuffer buffer) {
        if (buffer != null) {
            bind();
            check(cudart.cudaFreeHost(new Pointer(buffer)), "cudaFreeHost");
        }
    }

    @Override
    public Stream openStream() {
        bind();
        CUstream_st s = new CUstream_st();
        check(cudart.cudaStreamCreate(s), "cudaStreamCreate");
        cublasContext h = new cublasContext();
        checkBlas(cublas.cublasCreate_v2(h), "cublasCreate");
        checkBlas(cublas.cublasSetStream_v2(h, s), "cublasSetStream");
        return new DriverStream(s, h);
    }

    private record DriverStream(CUstream_st stream, cublasContext blas) implements Stream {
        @Override
        public void close() {
            cublas.cublasDestroy_v2(blas);
            cudart.cudaStreamDestroy(stream);
        }
    }

    private static CUstream_st raw(Stream s) {
        return ((DriverStream) s).stream();
    }

    @Override
    public void copyToDevice(Stream stream, long dst, ByteBuffer src, long bytes) {
        bind();
        check(cudart.cudaMemcpyAsync(at(dst), new Pointer(src), bytes, cudart.cudaMemcpyHostToDevice, raw(stream)),
                "cudaMemcpyAsync(host to device, " + bytes + " bytes)");
    }

    @Override
    public void copyToHost(Stream stream, ByteBuffer dst, long src, long bytes) {
        bind();
        check(cudart.cudaMemcpyAsync(new Pointer(dst), at(src), bytes, cudart.cudaMemcpyDeviceToHost, raw(stream)),
                "cudaMemcpyAsync(device to host, " + bytes + " bytes)");
    }

    @Override
    public void launch(Stream stream, String name, LaunchShape s, KernelArgs args) {
        bind();
        CUfunc_st f = functions.computeIfAbsent(name, n -> {
            CUfunc_st fn = new CUfunc_st();
            checkDriver(cudart.cuModuleGetFunction(fn, module, n), "cuModuleGetFunction(" + n + ")");
            return fn;
        });
        if (s.sharedBytes() > 48 * 1024 && sharedSet.getOrDefault(name, 0) < s.sharedBytes()) {
            checkDriver(cudart.cuFuncSetAttribute(f, cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    s.sharedBytes()), "cuFuncSetAttribute(" + name + ", max dynamic shared " + s.sharedBytes() + ")");
            sharedSet.put(name, s.sharedBytes());
        }
        // Each argument in its own 8-byte slot (ints and floats in the low 4 bytes: little endian).
        try (LongPointer values = new LongPointer(Math.max(1, args.count()));
             PointerPointer<Pointer> params = new PointerPointer<>(Math.max(1, args.count()))) {
            for (int i = 0; i < args.count(); i++) {
                values.put(i, args.slot(i));
                params.put(i, at(values.address() + 8L * i));
            }
            checkDriver(cudart.cuLaunchKernel(f, s.gridX(), s.gridY(), s.gridZ(), s.block(), 1, 1, s.sharedBytes(),
                    raw(stream), params, null), "cuLaunchKernel(" + name + ")");
        }
    }

    @Override
    public void denseGemm(Stream stream, HalfPrecision precision, int m, int n, int k, long w, long x, int ldx,
                          long y, int ldy) {
        bind();
        // Column-major view: Y^T [m x n] = W^T' ... W row-major [m, k] is column-major [k x m]
        // (lda k, transposed); X row-major [n, ldx] is column-major [k x n] (ldb ldx).
        int type = precision == HalfPrecision.FP16 ? cudart.CUDA_R_16F : cudart.CUDA_R_16BF;
        try (FloatPointer alpha = new FloatPointer(1f); FloatPointer beta = new FloatPointer(0f)) {
            checkBlas(cublas.cublasGemmEx(((DriverStream) stream).blas(), cublas.CUBLAS_OP_T, cublas.CUBLAS_OP_N, m, n,
                    k, alpha, at(w), type, k, at(x), type, ldx, beta, at(y), cudart.CUDA_R_32F, ldy,
                    cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT), "cublasGemmEx(" + m + "x" + n + "x" + k + ")");
        }
    }

    @Override
    public void synchronize(Stream stream) {
        bind();
        check(cudart.cudaStreamSynchronize(raw(stream)), "cudaStreamSynchronize");
    }

    @Override
    public int elementwiseBlocks() {
        return info.smCount() * 8;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bind();
        checkDriver(cudart.cuModuleUnload(module), "cuModuleUnload");
        image.close();
    }

    /** A JavaCPP pointer at a raw device address (never dereferenced on the host). */
    private static Pointer at(long address) {
        return new Pointer((Pointer) null) {
            {
                this.address = address;
            }
        };
    }

    private static String errorName(int rc) {
        BytePointer p = cudart.cudaGetErrorName(rc);
        return p == null ? "CUDA error " + rc : p.getString() + " (" + rc + ")";
    }

    private static void check(int rc, String call) {
        if (rc != cudart.cudaSuccess) {
            throw new DeviceException(call, errorName(rc), rc == cudart.cudaErrorMemoryAllocation);
        }
    }

    private static void checkDriver(int rc, String call) {
        if (rc != 0) {
            PointerPointer<BytePointer> name = new PointerPointer<>(1);
            cudart.cuGetErrorName(rc, name);
            BytePointer s = name.get(BytePointer.class, 0);
            throw new DeviceException(call, (s == null || s.isNull() ? "CUresult" : s.getString()) + " (" + rc + ")",
                    rc == 2 /* CUDA_ERROR_OUT_OF_MEMORY */);
        }
    }

    private static void checkBlas(int rc, String call) {
        if (rc != 0) {
            BytePointer s = cublas.cublasGetStatusName(rc);
            throw new DeviceException(call, (s == null ? "cublasStatus" : s.getString()) + " (" + rc + ")", rc == 3);
        }
    }

}
