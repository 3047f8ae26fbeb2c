package dev.sparse24.bench.gpu;

import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.MmaSpEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteTestVectorsTest {

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDoesNot(@TempDir Path dir) throws IOException {
        WriteTestVectors.write(dir.resolve("a"), 7);
        WriteTestVectors.write(dir.resolve("b"), 7);
        WriteTestVectors.write(dir.resolve("c"), 8);
        byte[] a = Files.readAllBytes(dir.resolve("a/vectors.bin"));
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/vectors.bin")));
        assertEquals(Files.readString(dir.resolve("a/vectors.json")), Files.readString(dir.resolve("b/vectors.json")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/vectors.bin"))));
        assertTrue(a.length < 16 << 20, "vectors stay small: " + a.length);
    }

    @Test
    void probeAnswerIsTheEmulatorsAndTheFilesAreConsistent(@TempDir Path dir) throws IOException {
        WriteTestVectors.write(dir, 3);
        String json = Files.readString(dir.resolve("vectors.json"));
        ByteBuffer bin = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("vectors.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        int[] a = ints(json, bin, "probe_bf16_sel1.a");
        int[] b = ints(json, bin, "probe_bf16_sel1.b");
        int[] e = ints(json, bin, "probe_bf16_sel1.e");
        float[] c = floats(json, bin, "probe_bf16_sel1.c");
        float[] d = floats(json, bin, "probe_bf16_sel1.d");
        assertArrayEquals(MmaSpEmulator.mmaSp(HalfPrecision.BF16, a, b, c, e, 1), d);
        // Sel 0 on the same fragments reads other lanes' (different, valid) codes: another answer.
        assertFalse(java.util.Arrays.equals(d, MmaSpEmulator.mmaSp(HalfPrecision.BF16, a, b, c, e, 0)));
    }

    private static int[] ints(String json, ByteBuffer bin, String name) {
        int[] at = locate(json, name);
        int[] v = new int[at[1] / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = bin.getInt(at[0] + 4 * i);
        }
        return v;
    }

    private static float[] floats(String json, ByteBuffer bin, String name) {
        int[] at = locate(json, name);
        float[] v = new float[at[1] / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = bin.getFloat(at[0] + 4 * i);
        }
        return v;
    }

    private static int[] locate(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\": \\{[^}]*\"offset\": (\\d+), \"bytes\": (\\d+)\\}")
                .matcher(json);
        assertTrue(m.find(), name + " in vectors.json");
        return new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}
