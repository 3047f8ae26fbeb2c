package dev.sparse24.runtime.cuda;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.PoolGeometry;
import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.device.DeviceApi;
import dev.sparse24.runtime.cuda.device.KernelArgs;
import dev.sparse24.runtime.cuda.device.LaunchShape;

/**
 * The steps of a {@link CudaExecutor} plan: each op of the graph becomes kernels on the device
 * reading and writing 16-bit activations (fp16/bf16) in the run's {@link CudaWorkspace}.
 * Geometry is computed and checked once, here, so a run only launches.
 */
final class CudaSteps {
    /** Threads per block of the element-wise kernels. */
    static final int ELEMENTWISE_THREADS = 128;

    private CudaSteps() {
    }

    /** What every step needs: the device, the precision and the kernels' name suffix. */
    record Context(DeviceApi device, HalfPrecision precision, int smCount) {
        String suffix() {
            return precision.kernelName();
        }

        /** A grid-stride launch over {@code total} elements. */
        LaunchShape elementwise(long total) {
            long blocks = Math.max(1, (total + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS);
            return LaunchShape.linear((int) Math.min(blocks, device.elementwiseBlocks()), ELEMENTWISE_THREADS);
        }
    }

    /** One op of the plan. */
    abstract static class Step {
        /** Launches the step's kernels for {@code n} batch items in the workspace's stream. */
        abstract void run(CudaWorkspace ws, int n);

        /** im2col patch bytes this step needs for {@code maxBatch} items. */
        long patchBytes(int maxBatch) {
            return 0;
        }

        /** fp32 GEMM scratch bytes for {@code maxBatch} items. */
        long gemmBytes(int maxBatch) {
            return 0;
        }

        /** Split-K partial-sum bytes, counters. */
        long splitBytes(int maxBatch) {
            return 0;
        }

        int splitCounters(int maxBatch) {
            return 0;
        }

        /** Frees device memory the step owns (weights). */
        void close(DeviceApi device) {
        }
    }

    /** The kernels' activation code of a fused activation. */
    static int activationCode(FusedActivation a) {
        return switch (a) {
            case NONE -> 0;
            case RELU -> 1;
            case RELU6 -> 2;
            case RELU_N1_TO_1 -> 3;
            case TANH -> 4;
        };
    }

    static int roundUp8(int v) {
        return (v + 7) & ~7;
    }

    /** Fails unless {@code v} (an element count of a kernel argument) fits an int. */
    static int checkedInt(long v, String what) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " of " + v + " elements exceeds the kernels' int range; lower maxBatch");
        }
        return (int) v;
    }

    /** fp32 staging -> 16-bit activation (graph inputs). */
    static final class ConvertIn extends Step {
        private final Context ctx;
        private final int from;
        private final int to;
        private final int sample;

        ConvertIn(Context ctx, int stagingSlot, int tensor, int sample) {
            this.ctx = ctx;
            this.from = stagingSlot;
            this.to = tensor;
            this.sample = sample;
        }

        @Override
        void run(CudaWorkspace ws, int n) {
            int total = n * sample;
            ctx.device().launch(ws.stream(), "s24_convert_in_" + ctx.suffix(), ctx.elementwise(total),
                    new KernelArgs().ptr(ws.staging(from)).ptr(ws.tensor(to)).i32(total));
        }
    }

    /** 16-bit activation -> fp32 staging (graph outputs not written in fp32 by their GEMM). */
    static final class ConvertOut extends Step {
        private final Context ctx;
        private final int from;
        private final int to;
        private final int sample;

        ConvertOut(Context ctx, int tensor, int stagingSlot, int sample) {
            this.ctx = ctx;
            this.from = tensor;
            this.to = stagingSlot;
            this.sample = sample;
        }

        @Override
        void run(CudaWorkspace ws, int n) {
            int total = n * sample;
            ctx.device().launch(ws.stream(), "s24_convert_out_" + ctx.suffix(), ctx.elementwise(total),
                    new KernelArgs().ptr(ws.tensor(from)).ptr(ws.staging(to)).i32(total));
        }
    }

    /** MAX_POOL_2D / AVERAGE_POOL_2D with the fused activation. */
    static final class Pool extends Step {
        private final Context ctx;
        private final int in;
        private final int out;
        private final PoolGeometry g;
        private final int isMax, act;

        Pool(Context ctx, Operator op, ShapeInference shapes) {
            this.ctx = ctx;
            in = op.input(0);
            out = op.output(0);
            g = PoolGeometry.of(op.options(), shapes.shape(in));
            isMax = op.type() == OpType.MAX_POOL_2D ? 1 : 0;
            act = activationCode(op.options().activation());
        }

        @Override
        void run(CudaWorkspace ws, int n) {
            ctx.device().launch(ws.stream(), "s24_pool_" + ctx.suffix(), ctx.elementwise((long) n * g.outputSize()),
                    new KernelArgs().ptr(ws.tensor(in)).ptr(ws.tensor(out)).i32(n).i32(g.h()).i32(g.w()).i32(g.c())
                            .i32(g.oh()).i32(g.ow()).i32(g.fh()).i32(g.fw()).i32(g.sh()).i32(g.sw()).i32(g.padTop())
                            .i32(g.padLeft()).i32(isMax).i32(act));
        }
    }

    /** Whether {@code op}'s weights tensor is 2:4-compressed. */
    static boolean isSparse(Graph graph, Operator op) {
        GraphTensor wt = graph.tensor(op.input(1));
        return wt.isCompressed();
    }
}
