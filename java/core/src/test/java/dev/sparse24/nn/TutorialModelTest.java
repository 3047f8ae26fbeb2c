package dev.sparse24.nn;

import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tutorial's model (without pruning wrappers) assembled from these layers. */
class TutorialModelTest {
    static Sequential tutorialModel() {
        return new Sequential(
                new Conv2D(32, 5, Padding.SAME, Activation.RELU),
                new MaxPooling2D(2, Padding.SAME),
                new Conv2D(64, 5, Padding.SAME, Activation.NONE),
                new BatchNormalization(),
                new ReLU(),
                new MaxPooling2D(2, Padding.SAME),
                new Flatten(),
                new Dense(1024, Activation.RELU),
                new Dropout(0.4),
                new Dense(10));
    }

    @Test
    void shapesNamesAndParameterCountsMatchKeras() {
        Sequential model = tutorialModel().build(Shape.of(28, 28, 1), 1);
        List<Layer> layers = model.layers();
        assertEquals(List.of("conv2d", "max_pooling2d", "conv2d_1", "batch_normalization", "re_lu",
                "max_pooling2d_1", "flatten", "dense", "dropout", "dense_1"),
                layers.stream().map(Layer::name).toList());
        assertEquals(List.of(Shape.of(28, 28, 32), Shape.of(14, 14, 32), Shape.of(14, 14, 64), Shape.of(14, 14, 64),
                Shape.of(14, 14, 64), Shape.of(7, 7, 64), Shape.of(3136), Shape.of(1024), Shape.of(1024), Shape.of(10)),
                layers.stream().map(Layer::outputShape).toList());
        // Keras: 5*5*1*32+32, 0, 5*5*32*64+64, 4*64, 0, 0, 0, 3136*1024+1024, 0, 1024*10+10.
        assertEquals(List.of(832L, 0L, 51_264L, 256L, 0L, 0L, 0L, 3_212_288L, 0L, 10_250L),
                layers.stream().map(l -> l.parameters().stream().mapToLong(Parameter::size).sum()).toList());
        assertEquals(3_274_762L, model.countTrainableParams());
        assertEquals(128L, model.countParams() - model.countTrainableParams());
    }

    @Test
    void forwardAndBackwardRunThroughTheWholeStack() {
        Sequential model = tutorialModel().build(Shape.of(28, 28, 1), 2);
        Random rng = new Random(3);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, 2 * 784, 0, 1), 2, 28, 28, 1);
        Tensor y = model.forward(x, true);
        assertEquals(Shape.of(2, 10), y.shape());
        model.backward(Tensor.of(GradientCheck.uniform(rng, 20, -1, 1), 2, 10));
        for (Parameter p : model.trainableParameters()) {
            float[] g = p.grad().toArray();
            double norm = 0;
            for (float v : g) {
                assertTrue(Float.isFinite(v), p.name());
                norm += v * v;
            }
            assertTrue(norm > 0, "every trainable parameter gets a gradient: " + p);
        }
    }
}
