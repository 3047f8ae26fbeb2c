package dev.sparse24.tools.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparse24.format.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sparse24 bench --merge a.json b.json ... --out DIR}: several results.json files (CPU
 * runs, the GPU device check, other machines) in one report. Each input is checked against the
 * schema of {@code docs/bench-results.md} before anything is written; the merged
 * {@code results.json} keeps every layer and model entry, each tagged with {@code "source"}
 * (its input's index) and {@code "machine_label"}, and lists the inputs under
 * {@code "merged_from"}; {@code report.md} has one machine table per input and the entries side
 * by side; the charts show speedup and throughput against batch per input.
 *
 * <p>Times from different machines do not compare; ratios measured within one run do. The report
 * says so and puts ratios first.
 */
public final class BenchMerge {
    /** A results.json that does not have the schema's shape; the message names the file and the key. */
    public static final class BadResultsException extends Exception {
        BadResultsException(String message) {
            super(message);
        }
    }

    /** One input, read and checked. */
    record Input(Path file, JsonNode root, String label) {
    }

    private BenchMerge() {
    }

    /**
     * Reads and checks {@code files}, then writes the merged results.json, report.md and charts
     * into {@code out}.
     *
     * @param command the command line, for the report
     * @throws BadResultsException naming the file and what is wrong, before anything is written
     */
    public static BenchReport.Written merge(List<Path> files, Path out, String command)
            throws IOException, BadResultsException {
        if (files.size() < 1) {
            throw new BadResultsException("--merge needs at least one results.json");
        }
        List<Input> inputs = new ArrayList<>();
        for (Path f : files) {
            inputs.add(read(f));
        }
        Files.createDirectories(out);
        ObjectNode merged = mergedJson(inputs, command);
        Path json = out.resolve("results.json");
        AtomicFiles.write(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(merged));
        List<Path> charts = MergeCharts.write(out, merged);
        Path report = out.resolve("report.md");
        AtomicFiles.write(report, markdown(inputs, merged, charts, command).getBytes(StandardCharsets.UTF_8));
        return new BenchReport.Written(json, report, charts);
    }

    /** Reads one results.json and checks the keys readers rely on. */
    static Input read(Path file) throws IOException, BadResultsException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new BadResultsException(file + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new BadResultsException(file + ": expected a JSON object (a results.json)");
        }
        JsonNode schema = root.get("schema");
        if (schema == null || !schema.isInt() || schema.asInt() != 1) {
            throw new BadResultsException(file + ": \"schema\" must be 1, given " + schema);
        }
        JsonNode machine = root.get("machine");
        if (machine == null || !machine.isObject()) {
            throw new BadResultsException(file + ": \"machine\" must be an object");
        }
        requireText(file, root, "created", "");
        for (String list : List.of("layers", "models")) {
            JsonNode a = root.get(list);
            if (a != null && !a.isArray()) {
                throw new BadResultsException(file + ": \"" + list + "\" must be an array");
            }
            if (a == null) {
                continue;
            }
            for (int i = 0; i < a.size(); i++) {
                JsonNode e = a.get(i);
                String where = list + "[" + i + "]";
                if (!e.isObject()) {
                    throw new BadResultsException(file + ": " + where + " must be an object");
                }
                requireText(file, e, "device", where);
                requirePositiveInt(file, e, "batch", where);
                requirePositiveInt(file, e, "threads", where);
                for (String k : List.of("dense_ms", "sparse_ms", "speedup")) {
                    requirePositive(file, e, k, where);
                }
                if (list.equals("layers")) {
                    requirePositiveInt(file, e, "rows", where);
                    requirePositiveInt(file, e, "cols", where);
                } else {
                    requireText(file, e, "model", where);
                }
            }
        }
        return new Input(file, root, label(machine));
    }

    private static String label(JsonNode machine) {
        String cpu = machine.path("cpu").asText("?");
        JsonNode gpu = machine.get("gpu");
        String used = machine.has("cores_used") ? ", " + machine.get("cores_used").asText() + " core(s)" : "";
        return gpu != null && gpu.isTextual() && !gpu.asText().isEmpty() ? gpu.asText() + " (host " + cpu + ")"
                : cpu + used;
    }

    private static void requireText(Path f, JsonNode n, String key, String where) throws BadResultsException {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new BadResultsException(f + ": " + (where.isEmpty() ? "" : where + ".") + key
                    + " must be a non-empty string, given " + v);
        }
    }

    private static void requirePositiveInt(Path f, JsonNode n, String key, String where) throws BadResultsException {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw new BadResultsException(f + ": " + where + "." + key + " must be an integer >= 1, given " + v);
        }
    }

    private static void requirePositive(Path f, JsonNode n, String key, String where) throws BadResultsException {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new BadResultsException(f + ": " + where + "." + key + " must be a finite number > 0, given " + v);
        }
    }

    private static ObjectNode mergedJson(List<Input> inputs, String command) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("schema", 1);
        root.put("created", Instant.now().toString());
        root.put("command", command);
        root.put("profile", "merge");
        // The schema wants one machine: the first input's, with every input's under merged_from.
        root.set("machine", inputs.get(0).root().get("machine").deepCopy());
        ArrayNode from = root.putArray("merged_from");
        ArrayNode layers = root.putArray("layers");
        ArrayNode models = root.putArray("models");
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            ObjectNode f = from.addObject();
            f.put("source", i);
            f.put("file", in.file().toString());
            f.put("label", in.label());
            f.set("created", in.root().get("created"));
            f.set("command", in.root().get("command"));
            f.set("machine", in.root().get("machine").deepCopy());
            for (String list : List.of("layers", "models")) {
                JsonNode a = in.root().get(list);
                if (a == null) {
                    continue;
                }
                for (JsonNode e : a) {
                    ObjectNode c = e.deepCopy();
                    c.put("source", i);
                    c.put("machine_label", in.label());
                    (list.equals("layers") ? layers : models).add(c);
                }
            }
        }
        return root;
    }

    private static String markdown(List<Input> inputs, ObjectNode merged, List<Path> charts, String command) {
        StringBuilder s = new StringBuilder();
        s.append("# Sparse24 bench: merged report\n\n");
        s.append("- command: `").append(command).append("`\n");
        s.append("- merged: ").append(merged.get("created").asText()).append('\n');
        s.append("- each input's times come from its own machine and run; compare **ratios** (measured side by side "
                + "within one run), not times across inputs.\n\n");
        s.append("## Inputs\n\n| source | file | created | command | machine |\n|---|---|---|---|---|\n");
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            s.append(String.format(Locale.ROOT, "| %d | %s | %s | `%s` | %s |%n", i, cell(in.file().toString()),
                    cell(in.root().path("created").asText()), cell(in.root().path("command").asText("?")),
                    cell(in.label())));
        }
        for (int i = 0; i < inputs.size(); i++) {
            s.append("\n### Machine of source ").append(i).append("\n\n| what | value |\n|---|---|\n");
            JsonNode mc = inputs.get(i).root().get("machine");
            mc.fieldNames().forEachRemaining(k -> s.append("| ").append(k).append(" | ")
                    .append(cell(mc.get(k).isNull() ? "-" : mc.get(k).asText())).append(" |\n"));
        }
        JsonNode layers = merged.get("layers");
        if (!layers.isEmpty()) {
            s.append("\n## Layers\n\n| source | device | dtype | layer | threads | batch | dense ms | sparse ms "
                    + "| speedup | dense floor ms | sparse floor ms | runs | spread |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (JsonNode e : layers) {
                s.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %d | %d | %s | %s | %.2fx | %s | %s | %s | %s |%n",
                        e.get("source").asInt(), cell(e.get("device").asText()), cell(e.path("dtype").asText("?")),
                        cell(e.has("layer") ? e.get("layer").asText() : e.get("rows").asInt() + "x" + e.get("cols").asInt()),
                        e.get("threads").asInt(), e.get("batch").asInt(), num(e, "dense_ms"), num(e, "sparse_ms"),
                        e.get("speedup").asDouble(), num(e, "dense_floor_ms"), num(e, "sparse_floor_ms"),
                        e.has("runs") ? e.get("runs").asText() : "-", num(e, "spread")));
            }
        }
        JsonNode models = merged.get("models");
        if (!models.isEmpty()) {
            s.append("\n## Models\n\nPeers where the input has them: ONNX Runtime (`onnxruntime_ms`), PyTorch "
                    + "(`torch_dense_ms`, `torch_semi_structured_ms`), cuBLAS (`cublas_ms`).\n\n"
                    + "| source | device | model | threads | batch | 2:4 ms | dense ms | 2:4 vs dense | peers (ms) "
                    + "| 2:4 img/s | p99 2:4 ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (JsonNode e : models) {
                List<String> peers = new ArrayList<>();
                for (String k : List.of("onnxruntime_ms", "torch_dense_ms", "torch_semi_structured_ms", "cublas_ms")) {
                    if (e.has(k) && e.get(k).isNumber()) {
                        peers.add(k.replace("_ms", "") + " " + num(e, k) + String.format(Locale.ROOT, " (2:4 %.2fx)",
                                e.get(k).asDouble() / e.get("sparse_ms").asDouble()));
                    }
                }
                s.append(String.format(Locale.ROOT, "| %d | %s | %s | %d | %d | %s | %s | %.2fx | %s | %.0f | %s |%n",
                        e.get("source").asInt(), cell(e.get("device").asText()), cell(e.get("model").asText()),
                        e.get("threads").asInt(), e.get("batch").asInt(), num(e, "sparse_ms"), num(e, "dense_ms"),
                        e.get("speedup").asDouble(), peers.isEmpty() ? "-" : cell(String.join("; ", peers)),
                        e.get("batch").asInt() * 1000 / e.get("sparse_ms").asDouble(), num(e, "p99_sparse_ms")));
            }
            s.append("\nRatios > 1 mean Sparse24 2:4 is faster.\n");
        }
        if (!charts.isEmpty()) {
            s.append("\n## Charts\n\n");
            for (Path c : charts) {
                s.append("![").append(c.getFileName()).append("](").append(c.getFileName()).append(")\n\n");
            }
        }
        return s.toString();
    }

    private static String num(JsonNode e, String key) {
        JsonNode v = e.get(key);
        return v != null && v.isNumber() ? String.format(Locale.ROOT, "%.4f", v.asDouble()) : "-";
    }

    private static String cell(String v) {
        return v.replace("|", "\\|").replace("\n", " ");
    }

    /** Entries grouped by a key, in first-seen order. */
    static Map<String, List<JsonNode>> group(JsonNode entries, java.util.function.Function<JsonNode, String> key) {
        Map<String, List<JsonNode>> m = new LinkedHashMap<>();
        for (JsonNode e : entries) {
            m.computeIfAbsent(key.apply(e), x -> new ArrayList<>()).add(e);
        }
        return m;
    }
}
