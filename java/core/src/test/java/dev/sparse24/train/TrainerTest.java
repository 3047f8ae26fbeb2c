package dev.sparse24.train;

import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    /** A test-only affine layer y = x W + b with plain loops, independent of the nn layers. */
    static final class Linear extends Layer {
        private final int out;
        private Parameter w;
        private Parameter b;
        private Tensor lastInput;

        Linear(int out) {
            super(null);
            this.out = out;
        }

        @Override
        public String typeName() {
            return "Linear";
        }

        @Override
        protected Shape doBuild(Shape in, Random rng) {
            int n = in.dim(0);
            float[] init = new float[n * out];
            for (int i = 0; i < init.length; i++) {
                init[i] = (float) (rng.nextGaussian() * 0.1);
            }
            w = new Parameter("kernel", Tensor.of(init, n, out), true);
            b = new Parameter("bias", Tensor.zeros(out), true);
            return Shape.of(out);
        }

        @Override
        public Tensor forward(Tensor x, boolean training) {
            checkInput(x);
            lastInput = x;
            int batch = x.shape().dim(0);
            int n = inputShape().dim(0);
            Tensor y = Tensor.zeros(batch, out);
            for (int r = 0; r < batch; r++) {
                for (int o = 0; o < out; o++) {
                    float s = b.value().get(o);
                    for (int i = 0; i < n; i++) {
                        s += x.get(r * n + i) * w.value().get(i * out + o);
                    }
                    y.set(r * out + o, s);
                }
            }
            return y;
        }

        @Override
        public Tensor backward(Tensor g) {
            int batch = g.shape().dim(0);
            int n = inputShape().dim(0);
            w.grad().fill(0f);
            b.grad().fill(0f);
            for (int r = 0; r < batch; r++) {
                for (int o = 0; o < out; o++) {
                    float go = g.get(r * out + o);
                    b.grad().set(o, b.grad().get(o) + go);
                    for (int i = 0; i < n; i++) {
                        w.grad().set(i * out + o, w.grad().get(i * out + o) + go * lastInput.get(r * n + i));
                    }
                }
            }
            return null;
        }

        @Override
        public List<Parameter> parameters() {
            return List.of(w, b);
        }
    }

    /** Two Gaussian blobs in 2-D, labels 0/1; the last {@code flipped} labels are inverted. */
    private static Object[] blobs(int n, int flipped, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(2);
            x[2 * i] = (float) (r.nextGaussian() * 0.5 + (c == 0 ? -2 : 2));
            x[2 * i + 1] = (float) (r.nextGaussian() * 0.5 + (c == 0 ? 1 : -1));
            y[i] = i >= n - flipped ? 1 - c : c;
        }
        return new Object[]{Tensor.of(x, n, 2), y};
    }

    private static Trainer trainer(long seed) {
        Sequential model = new Sequential(new Linear(2)).build(Shape.of(2), seed);
        return new Trainer(model, new Adam(0.05f), new SparseCategoricalCrossentropy(true))
                .withOutput(new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void learnsSeparableDataAndValidatesOnTheLastSamples() {
        Object[] d = blobs(1000, 100, 3);
        Tensor x = (Tensor) d[0];
        int[] y = (int[]) d[1];
        Trainer t = trainer(1);
        History h = t.fit(x, y, FitOptions.defaults().withEpochs(5).withBatchSize(32)
                .withValidationSplit(0.1).withVerbose(0));
        assertEquals(5, h.epochs().size());
        assertTrue(h.last("accuracy") > 0.97, "train accuracy " + h.last("accuracy"));
        // The held-out part is exactly the last 10%, whose labels were inverted: the model that
        // learned the first 90% must get it (nearly) all wrong.
        assertTrue(h.last("val_accuracy") < 0.05, "val accuracy " + h.last("val_accuracy"));
        assertTrue(h.epochs().get(0).get("loss") > h.last("loss"));
        Evaluation e = t.evaluate(x, y, 64);
        assertEquals(1000, e.samples());
        assertTrue(e.accuracy() > 0.85 && e.accuracy() < 0.92, "overall accuracy " + e.accuracy());
        Tensor p = t.predict(x, 7);
        assertEquals(Shape.of(1000, 2), p.shape());
        int correct = SparseCategoricalCrossentropy.countCorrect(p, y, 0);
        assertEquals(e.accuracy(), correct / 1000.0, 1e-12);
    }

    @Test
    void sameSeedsGiveSameWeights() {
        Object[] d = blobs(300, 0, 5);
        float[][] results = new float[2][];
        for (int k = 0; k < 2; k++) {
            Trainer t = trainer(11);
            t.fit((Tensor) d[0], (int[]) d[1], FitOptions.defaults().withEpochs(2).withSeed(4).withVerbose(0));
            results[k] = t.model().parameters().get(0).value().toArray();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(results[0], results[1]);
    }

    @Test
    void callbacksSeeEveryBatchAndEpochInOrder() {
        Object[] d = blobs(100, 0, 9);
        List<String> events = new ArrayList<>();
        Callback cb = new Callback() {
            @Override
            public void onTrainBegin(Sequential model) {
                events.add("begin");
            }

            @Override
            public void onEpochBegin(int epoch) {
                events.add("e" + epoch);
            }

            @Override
            public void onTrainBatchBegin(int batch) {
                events.add("b" + batch);
            }

            @Override
            public void onEpochEnd(int epoch, Map<String, Double> logs) {
                events.add("end" + epoch + (logs.containsKey("val_loss") ? "v" : ""));
            }

            @Override
            public void onTrainEnd() {
                events.add("done");
            }
        };
        // 100 samples, 20% validation -> 80 training samples -> 3 batches of 32, 32, 16.
        trainer(2).fit((Tensor) d[0], (int[]) d[1], FitOptions.defaults().withEpochs(2)
                .withValidationSplit(0.2).withVerbose(0), cb);
        assertEquals(List.of("begin", "e0", "b0", "b1", "b2", "end0v", "e1", "b3", "b4", "b5", "end1v", "done"),
                events);
    }

    @Test
    void badDataIsRefused() {
        Trainer t = trainer(1);
        assertThrows(IllegalArgumentException.class,
                () -> t.fit(Tensor.zeros(4, 3), new int[4], FitOptions.defaults()));
        assertThrows(IllegalArgumentException.class,
                () -> t.fit(Tensor.zeros(4, 2), new int[3], FitOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> FitOptions.defaults().withValidationSplit(1.0));
        assertThrows(IllegalArgumentException.class, () -> FitOptions.defaults().withBatchSize(0));
    }

    @Test
    void nanInputsStopTrainingWithAClearError() {
        Object[] d = blobs(64, 0, 1);
        Tensor x = (Tensor) d[0];
        x.set(5, Float.NaN);
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> trainer(1).fit(x, (int[]) d[1], FitOptions.defaults().withVerbose(0).withShuffle(false)));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
