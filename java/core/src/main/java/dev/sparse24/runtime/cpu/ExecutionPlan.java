package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a graph compiles to, once, for passes of at most {@code maxBatch} items: one
 * {@link PlanStep} per operator (2:4 FULLY_CONNECTED and CONV_2D through {@link SparseGemm},
 * dense ones through OpenBLAS, the rest in Java), RESHAPE without activation as a view of its
 * input, and the sizes a workspace needs. Immutable after construction except for
 * {@link #close()}; the executor schedules and binds buffers, the plan only says what runs.
 */
final class ExecutionPlan {
    final Graph graph;
    final ShapeInference shapes;
    final int maxBatch;
    final List<PlanStep> steps = new ArrayList<>();
    /** Per step: "OP -> output (2:4)", for profiles. */
    final List<String> stepNames = new ArrayList<>();
    /** The tensor whose buffer holds tensor t (RESHAPE views). */
    final int[] root;
    /** (output, input) of each view, in op order. */
    final int[][] aliases;
    /** Written by a step (not a view, not an input). */
    final boolean[] produced;
    final int[] inputs;
    final int[] outputs;
    final int[] inputSample;
    final int[] outputSample;
    /** Floats of one worker's im2col scratch for a pass of maxBatch items. */
    final long scratchFloats;
    final int sparseLayers;
    final int gemmLayers;

    /**
     * @throws IllegalArgumentException when an op is unsupported, shapes are inconsistent, or a
     *                                  maxBatch-item activation buffer would exceed 2^31-1 floats
     *                                  (checked before any weight is packed)
     */
    ExecutionPlan(Graph graph, int maxBatch, Isa isa) {
        this.graph = graph;
        this.shapes = ShapeInference.of(graph);
        this.maxBatch = maxBatch;
        checkMaxBatch(graph, shapes, maxBatch);
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
                PlanStep step = compile(op, isa);
                if (step == null) {
                    root[op.output(0)] = root[op.input(0)];
                    views.add(new int[]{op.output(0), op.input(0)});
                    continue;
                }
                boolean isSparse = step instanceof GemmStep g && g.isSparse() || step instanceof SparseConvStep;
                if (step instanceof GemmStep || step instanceof DirectConvStep || step instanceof SparseConvStep) {
                    gemm++;
                    sparse += isSparse ? 1 : 0;
                }
                steps.add(step);
                String kind = step instanceof SparseConvStep ? " (2:4, direct)" : isSparse ? " (2:4)"
                        : step instanceof DirectConvStep ? " (direct)" : "";
                stepNames.add(op.type() + " -> " + graph.tensor(op.output(0)).name() + kind);
                produced[op.output(0)] = true;
            }
        } catch (RuntimeException e) {
            steps.forEach(PlanStep::close);
            throw e;
        }
        sparseLayers = sparse;
        gemmLayers = gemm;
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
    }

    /** Refuses a maxBatch whose activation buffers could not be allocated (buffers end at 2^31-1 floats). */
    private static void checkMaxBatch(Graph graph, ShapeInference shapes, int maxBatch) {
        int largest = -1;
        for (int t = 0; t < graph.tensors().size(); t++) {
            if (shapes.shape(t) != null && (largest < 0 || shapes.sampleSize(t) > shapes.sampleSize(largest))) {
                largest = t;
            }
        }
        if (largest >= 0 && (long) maxBatch * shapes.sampleSize(largest) > Integer.MAX_VALUE) {
            int size = shapes.sampleSize(largest);
            throw new IllegalArgumentException("maxBatch " + maxBatch + " is too large for this model: tensor '"
                    + graph.tensor(largest).name() + "' holds " + size + " floats per item and a buffer at most "
                    + Integer.MAX_VALUE + " floats, so maxBatch can be at most " + Integer.MAX_VALUE / size);
        }
    }

    /** The step for {@code op}, or null when it is a view (a RESHAPE without activation). */
    private PlanStep compile(Operator op, Isa isa) {
        return switch (op.type()) {
            case CONV_2D -> DirectConvStep.applies(graph, op, shapes, isa) ? new DirectConvStep(graph, op, shapes, isa)
                    : SparseConvStep.applies(graph, op, shapes, isa) ? new SparseConvStep(graph, op, shapes)
                    : new GemmStep(graph, op, shapes, isa, maxBatch);
            case FULLY_CONNECTED -> new GemmStep(graph, op, shapes, isa, maxBatch);
            case DEPTHWISE_CONV_2D -> new JavaSteps.Depthwise(graph, op, shapes);
            case MAX_POOL_2D, AVERAGE_POOL_2D -> new JavaSteps.Pool(op, shapes, isa);
            case SOFTMAX -> new JavaSteps.SoftmaxStep(op, shapes);
            case MEAN -> new JavaSteps.MeanStep(graph, op, shapes);
            case ADD, MUL -> new JavaSteps.Binary(graph, op, shapes);
            case RELU, RELU6, LOGISTIC, TANH -> new JavaSteps.Unary(op, shapes);
            case RESHAPE -> op.options().activation() == FusedActivation.NONE ? null : new JavaSteps.Copy(op, shapes);
        };
    }

    /** A new workspace for this plan with {@code workers} im2col scratches. */
    Workspace newWorkspace(int workers) {
        return new Workspace(root, shapes, maxBatch, workers, scratchFloats);
    }

    /** Frees the steps' native memory (packed weights); idempotent. */
    void close() {
        steps.forEach(PlanStep::close);
    }
}
