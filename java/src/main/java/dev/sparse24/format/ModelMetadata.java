package dev.sparse24.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparse24.prune.PruningParams;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys of {@link dev.sparse24.graph.Graph#metadata()} that the file formats know, and the
 * canonical text of a layer's pruning parameters. The .s24 format stores these in dedicated
 * fields (producer, per-layer pruning table, training summary); every other key travels as a
 * plain key/value pair.
 */
public final class ModelMetadata {
    /** Who wrote the model, e.g. {@code "sparse24 0.1.0"}. */
    public static final String PRODUCER = "producer";
    /** A JSON object summarising training (accuracy, epochs, ...). */
    public static final String TRAINING_SUMMARY = "training_summary";
    /** Prefix of the per-layer pruning keys: {@code "pruning.<layer name>"}. */
    public static final String PRUNING_PREFIX = "pruning.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelMetadata() {
    }

    /** One layer's pruning as the .s24 file stores it. */
    public record LayerPruning(String layer, String kind, int m, int n, float targetSparsity, String schedule,
                               boolean strict) {
        /** The canonical JSON text used as the metadata value. */
        public String toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("kind", kind);
            if ("m_by_n".equals(kind)) {
                o.put("m", m);
                o.put("n", n);
            } else {
                o.put("target_sparsity", targetSparsity);
                o.put("schedule", schedule);
            }
            o.put("strict", strict);
            return o.toString();
        }
    }

    /** The metadata entry (key, value) for a layer pruned with {@code params}. */
    public static Map.Entry<String, String> pruningEntry(String layer, PruningParams params) {
        LayerPruning p = params.isStructured()
                ? new LayerPruning(layer, "m_by_n", params.pattern().m(), params.pattern().n(), 0f, null,
                params.isStrict())
                : new LayerPruning(layer, "unstructured", 0, 0, (float) params.schedule().finalSparsity(),
                params.schedule().toString(), params.isStrict());
        return Map.entry(PRUNING_PREFIX + layer, p.toJson());
    }

    /** Metadata entries for a whole pruning plan (layer name to params), in plan order. */
    public static Map<String, String> pruningEntries(Map<String, PruningParams> plan) {
        Map<String, String> m = new LinkedHashMap<>();
        plan.forEach((layer, params) -> {
            Map.Entry<String, String> e = pruningEntry(layer, params);
            m.put(e.getKey(), e.getValue());
        });
        return m;
    }

    /**
     * Parses a pruning metadata entry; null when the key is not a pruning key or the value is
     * not in canonical form (then it is kept as a plain key/value pair, unchanged).
     */
    public static LayerPruning parsePruning(String key, String value) {
        if (!key.startsWith(PRUNING_PREFIX) || value == null) {
            return null;
        }
        try {
            JsonNode o = JSON.readTree(value);
            if (o == null || !o.isObject()) {
                return null;
            }
            String kind = o.path("kind").asText("");
            LayerPruning p = new LayerPruning(key.substring(PRUNING_PREFIX.length()), kind,
                    o.path("m").asInt(0), o.path("n").asInt(0), (float) o.path("target_sparsity").asDouble(0),
                    o.path("schedule").isTextual() ? o.path("schedule").asText() : null, o.path("strict").asBoolean(false));
            return p.toJson().equals(value) ? p : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
