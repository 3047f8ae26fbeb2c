package dev.sparse24.format.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Map;

/** ONNX Runtime (the independent reference of these tests) on one exported model, one thread. */
final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtRunner(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(model, options);
        }
    }

    OrtSession session() {
        return session;
    }

    /** The first output of a run: its values (flat) and shape. */
    record Output(float[] values, long[] shape) {
    }

    /** Runs the single-input model on {@code x} of shape {@code shape}. */
    Output run(float[] x, long... shape) throws OrtException {
        String input = session.getInputNames().iterator().next();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
             OrtSession.Result r = session.run(Map.of(input, t))) {
            OnnxTensor o = (OnnxTensor) r.get(0);
            FloatBuffer fb = o.getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return new Output(out, o.getInfo().getShape());
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
