package dev.sparse24.bench;

import dev.sparse24.models.TutorialModel;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.PruneLowMagnitude;
import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.Adam;
import dev.sparse24.train.SparseCategoricalCrossentropy;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One training step (forward, loss, backward, Adam) of the tutorial model on a batch of
 * random MNIST-shaped images, pruned (the wrappers' masking included) against unpruned, in one
 * run so that their ratio is comparable. Run: {@code java -jar bench/target/benchmarks.jar TrainStep}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainStepBenchmark {
    @Param({"pruned", "dense"})
    public String model;

    @Param({"128"})
    public int batch;

    @Param({"0"})
    public int threads;

    private Sequential net;
    private Adam adam;
    private SparseCategoricalCrossentropy loss;
    private Tensor x;
    private Tensor grad;
    private int[] labels;
    private long step;

    @Setup(Level.Trial)
    public void setUp() {
        Blas.init(threads);
        net = TutorialModel.build(model.equals("pruned"), 1);
        adam = new Adam();
        loss = new SparseCategoricalCrossentropy(true);
        Random r = new Random(1);
        float[] pixels = new float[batch * 28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = r.nextFloat();
        }
        x = Tensor.of(pixels, batch, 28, 28, 1);
        labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(10);
        }
        grad = Tensor.zeros(batch, 10);
    }

    @Benchmark
    public double trainStep() {
        // The pruning step advances as UpdatePruningStep drives it during fit.
        step++;
        for (var l : net.layers()) {
            if (l instanceof PruneLowMagnitude) {
                ((PruneLowMagnitude) l).setPruningStep(step - 1);
            }
        }
        Tensor logits = net.forward(x, true);
        double l = loss.compute(logits, labels, 0, grad);
        net.backward(grad);
        adam.step(net.trainableParameters());
        return l;
    }
}
