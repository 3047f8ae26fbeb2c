package dev.sparse24.runtime.cuda;

import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ConvGeometry;
import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.device.DeviceApi;
import dev.sparse24.runtime.cuda.device.KernelArgs;
import dev.sparse24.runtime.cuda.device.LaunchShape;
import dev.sparse24.sparse.CompressedWeights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * FULLY_CONNECTED or CONV_2D on the device. X is the input itself (a FULLY_CONNECTED input whose
 * width is a multiple of 8, or a 1x1 stride-1 unpadded convolution with such a channel count),
 * else its im2col patch matrix with rows padded to a multiple of 8 columns (what the kernels'
 * 16-byte loads need). 2:4 weights run through our mma.sp kernels ({@link SparseGemmPlan} picks
 * one per run: the batch decides) with bias and activation fused, writing the output type
 * directly; dense weights through the device's dense GEMM (cuBLAS) into fp32 scratch, then
 * {@code s24_bias_act}. Weights are uploaded once, here.
 */
final class CudaGemmStep extends CudaSteps.Step {
    private final CudaSteps.Context ctx;
    private final int in;
    private final int out;
    private final boolean conv;
    private final boolean direct;
    private final ConvGeometry g;  // FULLY_CONNECTED: a 1x1 image of k channels
    private final int oh, ow;      // output pixels per image (1 x 1 for FULLY_CONNECTED)
    private final int m;          // output features
    private final int k;          // dense k
    private final int ldx;        // X row stride (and valid columns)
    private final int act;
    private final int outType;    // SparseGemmPlan.Output code of the output tensor
    private final LanePackedWeights packed;  // 2:4, or null
    private long wv;              // packed values / dense fp16 weights
    private long wm;              // packed metadata (2:4)
    private long bias;            // fp32 [m] or 0

    CudaGemmStep(CudaSteps.Context ctx, Graph graph, Operator op, ShapeInference shapes, boolean f32Output) {
        this.ctx = ctx;
        in = op.input(0);
        out = op.output(0);
        conv = op.type() == OpType.CONV_2D;
        GraphTensor weights = graph.tensor(op.input(1));
        int[] ws = weights.shape();
        OpOptions opt = op.options();
        m = ws[0];
        boolean unitConv;
        if (conv) {
            g = ConvGeometry.of(opt, shapes.shape(in), ws[1], ws[2], m);
            oh = g.oh();
            ow = g.ow();
            k = g.kh() * g.kw() * g.c();
            unitConv = g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.padTop() == 0
                    && g.padLeft() == 0 && oh == g.h() && ow == g.w();
        } else {
            // A 1x1 image of k channels: the im2col kernel then pads the rows to ldx when k % 8 != 0.
            k = ws[1];
            g = new ConvGeometry(1, 1, k, 1, 1, m, 1, 1, 1, 1, 1, 1, 0, 0);
            oh = ow = 1;
            unitConv = true;
        }
        direct = unitConv && k % 8 == 0;
        ldx = direct ? k : CudaSteps.roundUp8(k);
        act = CudaSteps.activationCode(opt.activation());
        outType = f32Output ? SparseGemmPlan.Output.F32.code()
                : ctx.precision() == HalfPrecision.FP16 ? SparseGemmPlan.Output.F16.code() : SparseGemmPlan.Output.BF16.code();
        DeviceApi dev = ctx.device();
        DeviceApi.Stream upload = dev.openStream();
        try {
            if (weights.isCompressed()) {
                CompressedWeights cw = weights.compressedValues();
                packed = LanePackedWeights.pack(cw, ctx.precision());
                wv = uploadBytes(dev, upload, packed.valueBytes());
                wm = uploadBytes(dev, upload, packed.metadataBytes());
            } else {
                packed = null;
                float[] dense = weights.floatValues();
                ByteBuffer b = ByteBuffer.allocate(dense.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : dense) {
                    b.putShort(ctx.precision().fromFloat(v));
                }
                wv = uploadBytes(dev, upload, b.array());
            }
            if (op.input(2) >= 0) {
                float[] b = graph.tensor(op.input(2)).floatValues();
                ByteBuffer bb = ByteBuffer.allocate(b.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(b);
                bias = uploadBytes(dev, upload, bb.array());
            }
            dev.synchronize(upload);
        } catch (RuntimeException e) {
            close(dev);
            throw e;
        } finally {
            upload.close();
        }
    }

    private static long uploadBytes(DeviceApi dev, DeviceApi.Stream s, byte[] bytes) {
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.LITTLE_ENDIAN);
        direct.put(bytes).flip();
        long p = dev.allocate(bytes.length);
        dev.copyToDevice(s, p, direct, bytes.length);
        dev.synchronize(s);  // the host buffer may go once the copy is done
        return p;
    }

    boolean isSparse() {
        return packed != null;
    }

    private long rows(int n) {
        return (long) n * oh * ow;
    }

    @Override
    long patchBytes(int maxBatch) {
        return direct ? 0 : rows(maxBatch) * ldx * 2;
    }

    @Override
    long gemmBytes(int maxBatch) {
        return packed != null ? 0 : rows(maxBatch) * m * 4;
    }

    @Override
    long splitBytes(int maxBatch) {
        long most = 0;
        for (int n = 1; packed != null && n <= maxBatch; n++) {
            most = Math.max(most, plan(n).workspaceBytes());
        }
        return most;
    }

    @Override
    int splitCounters(int maxBatch) {
        int most = 0;
        for (int n = 1; packed != null && n <= maxBatch; n++) {
            most = Math.max(most, plan(n).counters());
        }
        return most;
    }

    /** Checks the element counts of a pass of {@code maxBatch} items fit the kernels' ints. */
    void checkSizes(int maxBatch) {
        CudaSteps.checkedInt(rows(maxBatch) * Math.max(ldx, m), "a GEMM operand");
    }

    private SparseGemmPlan plan(int n) {
        return SparseGemmPlan.choose(m, k, (int) rows(n), ctx.smCount());
    }

    @Override
    void run(CudaWorkspace ws, int n) {
        DeviceApi dev = ctx.device();
        int rows = (int) rows(n);
        long x = ws.tensor(in);
        if (!direct) {
            dev.launch(ws.stream(), "s24_im2col_" + ctx.suffix(), ctx.elementwise((long) rows * ldx),
                    new KernelArgs().ptr(x).ptr(ws.patches()).i32(n).i32(g.h()).i32(g.w()).i32(g.c()).i32(g.kh())
                            .i32(g.kw()).i32(oh).i32(ow).i32(g.sh()).i32(g.sw()).i32(g.dh()).i32(g.dw())
                            .i32(g.padTop()).i32(g.padLeft()).i32(ldx));
            x = ws.patches();
        }
        long y = ws.tensor(out);
        if (packed != null) {
            SparseGemmPlan p = plan(n);
            dev.launch(ws.stream(), p.symbol(ctx.precision()),
                    new LaunchShape(p.gridX(), p.gridY(), p.gridZ(), p.threads(), p.sharedBytes()),
                    new KernelArgs().ptr(wv).ptr(wm).ptr(x).i32(ldx).ptr(bias).ptr(y).i32(m).i32(outType)
                            .i32(m).i32(rows).i32(ldx).i32(packed.kChunks()).i32(p.unitsPerSplit()).i32(act)
                            .ptr(p.splits() > 1 ? ws.splitPartials() : 0).ptr(p.splits() > 1 ? ws.splitCounters() : 0));
        } else {
            dev.denseGemm(ws.stream(), ctx.precision(), m, rows, k, wv, x, ldx, ws.gemmScratch(), m);
            dev.launch(ws.stream(), "s24_bias_act", ctx.elementwise((long) rows * m),
                    new KernelArgs().ptr(ws.gemmScratch()).ptr(bias).ptr(y).i32(rows).i32(m).i32(m).i32(m)
                            .i32(act).i32(outType));
        }
    }

    @Override
    void close(DeviceApi device) {
        device.free(wv);
        device.free(wm);
        device.free(bias);
        wv = wm = bias = 0;
    }
}
