package dev.sparse24.cli;

import dev.sparse24.format.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * float32 files as {@code sparse24 run} reads and writes them: raw little-endian (what
 * {@code numpy.ndarray.tofile} writes for {@code <f4}), or text - values separated by whitespace
 * or commas, as {@code numpy.savetxt} writes them, {@code nan}, {@code inf} and {@code -inf}
 * included - when the name ends in .txt or .csv.
 */
final class FloatFile {
    /** A decimal number: what numpy and spreadsheets write (not Java's 1f, 0x1p3 or "Infinity"). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");

    private FloatFile() {
    }

    /** Whether {@code file} is read as text (its name ends in .txt or .csv). */
    static boolean isText(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".txt") || name.endsWith(".csv");
    }

    /** The values of {@code file}: text for .txt/.csv, else raw little-endian float32. */
    static float[] read(Path file) throws IOException {
        CommandFiles.requireReadableFile(file, "input");
        if (isText(file)) {
            return readText(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % 4 != 0) {
            throw new UserError(file + ": " + bytes.length + " bytes is not a whole number of float32 values"
                    + " (a text file must end in .txt or .csv)");
        }
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static float[] readText(Path file) throws IOException {
        float[] v = new float[1024];
        int n = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                int column = 0;
                for (String token : SEPARATORS.split(line.strip())) {
                    if (token.isEmpty()) {
                        continue;
                    }
                    column++;
                    if (n == v.length) {
                        v = Arrays.copyOf(v, v.length * 2);
                    }
                    v[n++] = parse(token, file, lineNo, column);
                }
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserError(file + ": not UTF-8 text (a binary float32 file must not end in .txt or .csv)");
        }
        return Arrays.copyOf(v, n);
    }

    /** One value; numpy's spellings of the non-finite values are accepted in any case. */
    static float parse(String token, Path file, int line, int column) {
        switch (token.toLowerCase(Locale.ROOT)) {
            case "nan", "+nan", "-nan":
                return Float.NaN;
            case "inf", "+inf", "infinity", "+infinity":
                return Float.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Float.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (!DECIMAL.matcher(token).matches()) {
            throw new UserError(file + ":" + line + ": value " + column + " is not a number: '" + token + "'");
        }
        return Float.parseFloat(token);
    }

    /** Writes {@code y} as raw little-endian float32 (what {@code numpy.fromfile(f, '<f4')} reads). */
    static void write(Path file, float[] y) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(y.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(y);
        AtomicFiles.write(file, b.array());
    }
}
