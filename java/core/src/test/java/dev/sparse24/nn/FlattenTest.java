package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlattenTest {
    @Test
    void flattensRowMajorAndBack() {
        Random rng = new Random(41);
        Flatten flatten = new Flatten();
        assertEquals(Shape.of(45), flatten.build(Shape.of(5, 3, 3), rng));
        Tensor x = Tensor.of(GradientCheck.uniform(rng, 2 * 45, -1, 1), 2, 5, 3, 3);
        // NHWC row-major flattening keeps the storage order: the identity on the flat data.
        float[] dx = GradientCheck.check(flatten, x, (v, p) -> v.clone(), true, rng, Integer.MAX_VALUE);
        assertEquals(90, dx.length);
        Tensor y = flatten.forward(x, false);
        assertEquals(Shape.of(2, 45), y.shape());
        // Element (s=1, h=2, w=1, c=2) is at 45 + (2*3 + 1)*3 + 2 = 68 of the flat output.
        assertEquals(x.get(((1 * 5 + 2) * 3 + 1) * 3 + 2), y.get(68));
        Tensor g = flatten.backward(Tensor.of(new float[90], 2, 45));
        assertEquals(x.shape(), g.shape());
        assertTrue(flatten.parameters().isEmpty());
        assertArrayEquals(x.toArray(), y.toArray());
    }
}
