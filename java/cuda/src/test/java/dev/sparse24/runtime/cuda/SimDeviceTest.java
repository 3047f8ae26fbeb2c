package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.device.DeviceException;
import dev.sparse24.runtime.cuda.device.KernelArgs;
import dev.sparse24.runtime.cuda.device.LaunchShape;
import dev.sparse24.runtime.cuda.sim.SimDevice;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulated device's contract and the conversion/fill kernels against their Java twins
 * ({@link HalfPrecision}): bit-exact, including subnormals, infinities, signed zeros and NaN.
 */
class SimDeviceTest {
    static final float[] SPECIAL = {0f, -0f, 1f, -2.5f, 65504f, 65520f, 1e-8f, 6e-8f, 3e-5f, -1e30f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.1f, 1f / 3, 1.00048828125f, 1.0009765625f};

    @org.junit.jupiter.api.BeforeAll
    static void simulationBuilt() {
        SimFixtures.requireSimulation();
    }

    @Test
    void conversionsMatchHalfPrecision() {
        try (SimDevice d = new SimDevice(); var stream = d.openStream()) {
            for (HalfPrecision p : HalfPrecision.values()) {
                int n = SPECIAL.length;
                ByteBuffer host = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
                host.asFloatBuffer().put(SPECIAL);
                long f32 = d.allocate(4L * n);
                long half = d.allocate(2L * n);
                d.copyToDevice(stream, f32, host, 4L * n);
                // 3 lanes' worth of odd grid: 1 block of 32 threads over 17 elements.
                d.launch(stream, "s24_convert_in_" + p.kernelName(), LaunchShape.linear(1, 32),
                        new KernelArgs().ptr(f32).ptr(half).i32(n));
                ByteBuffer halves = ByteBuffer.allocateDirect(2 * n).order(ByteOrder.LITTLE_ENDIAN);
                d.copyToHost(stream, halves, half, 2L * n);
                for (int i = 0; i < n; i++) {
                    if (Float.isNaN(SPECIAL[i])) {
                        // CUDA's conversion gives its canonical NaN (0x7FFF / 0x7FFF), HalfPrecision
                        // keeps the payload's top bits: both NaN, which is what matters.
                        assertTrue(Float.isNaN(p.toFloat(halves.getShort(2 * i))), p + " of NaN");
                        continue;
                    }
                    assertEquals(p.fromFloat(SPECIAL[i]), halves.getShort(2 * i), p + " of " + SPECIAL[i]);
                }
                long back = d.allocate(4L * n);
                d.launch(stream, "s24_convert_out_" + p.kernelName(), LaunchShape.linear(3, 32),
                        new KernelArgs().ptr(half).ptr(back).i32(n));
                ByteBuffer out = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
                d.copyToHost(stream, out, back, 4L * n);
                for (int i = 0; i < n; i++) {
                    if (Float.isNaN(SPECIAL[i])) {
                        assertTrue(Float.isNaN(out.getFloat(4 * i)), p + " back of NaN");
                        continue;
                    }
                    assertEquals(Float.floatToIntBits(p.toFloat(p.fromFloat(SPECIAL[i]))),
                            Float.floatToIntBits(out.getFloat(4 * i)), p + " back of " + SPECIAL[i]);
                }
            }
        }
    }

    @Test
    void fillWritesEveryWordAndNoMore() {
        try (SimDevice d = new SimDevice(); var stream = d.openStream()) {
            long p = d.allocate(4 * 20);
            ByteBuffer host = ByteBuffer.allocateDirect(80).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 20; i++) {
                host.putInt(4 * i, -1);
            }
            d.copyToDevice(stream, p, host, 80);
            d.launch(stream, "s24_fill_u32", LaunchShape.linear(2, 32), new KernelArgs().ptr(p).i32(7).i32(17));
            d.copyToHost(stream, host, p, 80);
            for (int i = 0; i < 20; i++) {
                assertEquals(i < 17 ? 7 : -1, host.getInt(4 * i), "word " + i);
            }
        }
    }

    @Test
    void badCallsAreExceptionsNotCrashes() {
        try (SimDevice d = new SimDevice(); var stream = d.openStream()) {
            DeviceException unknown = assertThrows(DeviceException.class,
                    () -> d.launch(stream, "s24_no_such_kernel", LaunchShape.linear(1, 32), new KernelArgs()));
            assertTrue(unknown.getMessage().contains("s24_no_such_kernel"), unknown.getMessage());
            assertThrows(DeviceException.class,
                    () -> d.launch(stream, "s24_fill_u32", LaunchShape.linear(1, 32), new KernelArgs().i32(1)));
            ByteBuffer host = ByteBuffer.allocateDirect(16);
            assertThrows(IllegalArgumentException.class, () -> d.copyToDevice(stream, 12345, host, 16));
            long p = d.allocate(16);
            assertThrows(IllegalArgumentException.class, () -> d.copyToHost(stream, host, p, 17));
            assertThrows(IllegalArgumentException.class,
                    () -> d.copyToHost(stream, ByteBuffer.allocate(16), p, 16), "heap buffers have no address");
            assertThrows(IllegalArgumentException.class, () -> new LaunchShape(1, 1, 1, 33, 0));
        }
    }
}
