package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.cuda.device.DeviceApi;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one pass needs on the device, allocated once and reused by later passes (the
 * executor pools them: a run takes one, uses it alone, gives it back): a stream, one buffer per
 * activation that owns storage (RESHAPE views share their input's), fp32 staging buffers for
 * the graph's inputs and outputs with direct host buffers beside them, im2col patches, fp32
 * GEMM scratch and the split-K partials and counters (counters zeroed once here; the kernels
 * leave them zero).
 */
final class CudaWorkspace {
    private final DeviceApi device;
    private final DeviceApi.Stream stream;
    private final List<Long> owned = new ArrayList<>();
    private final long[] tensors;
    private final long[] staging;
    private final ByteBuffer[] host;
    private final long patches;
    private final long gemm;
    private final long partials;
    private final long counters;

    /**
     * @param tensorBytes  per tensor: bytes of its own buffer, 0 for none (constants, views)
     * @param root         per tensor: the tensor whose buffer it uses (itself, or a view's source)
     * @param stagingBytes per staging slot (inputs then outputs): fp32 bytes on the device, 0 for none
     * @param hostBytes    per staging slot: bytes of its direct host buffer
     */
    CudaWorkspace(DeviceApi device, long[] tensorBytes, int[] root, long[] stagingBytes, long[] hostBytes, long patchBytes,
                  long gemmBytes, long splitBytes, int splitCounters, CudaSteps.Context ctx) {
        this.device = device;
        this.stream = device.openStream();
        try {
            tensors = new long[tensorBytes.length];
            for (int t = 0; t < tensors.length; t++) {
                if (tensorBytes[t] > 0) {
                    tensors[t] = alloc(tensorBytes[t]);
                }
            }
            for (int t = 0; t < tensors.length; t++) {
                tensors[t] = tensors[root[t]];
            }
            staging = new long[stagingBytes.length];
            host = new ByteBuffer[stagingBytes.length];
            for (int i = 0; i < staging.length; i++) {
                staging[i] = stagingBytes[i] > 0 ? alloc(stagingBytes[i]) : 0;
                host[i] = device.allocateHost(hostBytes[i]);
            }
            patches = patchBytes > 0 ? alloc(patchBytes) : 0;
            gemm = gemmBytes > 0 ? alloc(gemmBytes) : 0;
            partials = splitBytes > 0 ? alloc(splitBytes) : 0;
            counters = splitCounters > 0 ? alloc(4L * splitCounters) : 0;
            if (counters != 0) {
                device.launch(stream, "s24_fill_u32", ctx.elementwise(splitCounters),
                        new dev.sparse24.runtime.cuda.device.KernelArgs().ptr(counters).i32(0).i32(splitCounters));
                device.synchronize(stream);
            }
        } catch (RuntimeException e) {
            free();
            throw e;
        }
    }

    private long alloc(long bytes) {
        long p = device.allocate(bytes);
        owned.add(p);
        return p;
    }

    DeviceApi.Stream stream() {
        return stream;
    }

    long tensor(int t) {
        return tensors[t];
    }

    long staging(int slot) {
        return staging[slot];
    }

    ByteBuffer host(int slot) {
        return host[slot];
    }

    long patches() {
        return patches;
    }

    long gemmScratch() {
        return gemm;
    }

    long splitPartials() {
        return partials;
    }

    long splitCounters() {
        return counters;
    }

    /** Frees the device memory and the stream; idempotent. */
    void free() {
        owned.forEach(device::free);
        owned.clear();
        if (host != null) {
            for (int i = 0; i < host.length; i++) {
                device.freeHost(host[i]);
                host[i] = null;
            }
        }
        stream.close();
    }
}
