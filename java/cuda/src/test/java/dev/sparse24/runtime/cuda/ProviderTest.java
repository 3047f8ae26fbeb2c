package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.BackendUnavailableException;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.cuda.driver.CudaDriverDevice;
import dev.sparse24.runtime.spi.Availability;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The real-driver side on a machine without a GPU (CI): a clear refusal, never a crash. */
class ProviderTest {
    @Test
    void withoutAGpuCudaIsRefusedWithTheReasonAndTheProbeIsStable() throws Exception {
        assumeFalse(CudaBackendProvider.simulationRequested(), "SPARSE24_CUDA_SIM=1 in the environment");
        Availability first = CudaDriverDevice.probe(0);
        assumeFalse(first.available(), "a usable GPU is present: this test is for machines without one");
        assertTrue(first.reason().contains("CUDA") || first.reason().contains("device"), first.reason());
        // Probing again must not touch the bytedeco classes again (they would throw NoClassDefFoundError).
        assertEquals(first, CudaDriverDevice.probe(0));
        SparseModel model = SparseModel.fromGraph(SimOpsTest.fc(3, 8, true, dev.sparse24.graph.FusedActivation.NONE, 1));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> model.newSession(SessionOptions.defaults().withDevice(Device.CUDA)));
        assertEquals(first.reason(), e.reason());
        assertFalse(e.reason().contains("java.library.path"), "the long library path is cut: " + e.reason());
        try (var s = model.newSession(SessionOptions.defaults().withDevice(Device.AUTO))) {
            assertEquals(Device.CPU, s.device());
            assertTrue(s.description().endsWith("(CUDA not used: " + first.reason() + ")"), s.description());
        }
    }
}
