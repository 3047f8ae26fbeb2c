package dev.sparse24.format;

import dev.sparse24.prune.ConstantSparsity;
import dev.sparse24.prune.PolynomialDecay;
import dev.sparse24.prune.PruningParams;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ModelMetadataTest {
    @Test
    void everyPruningParamsTextParsesAndReproducesItself() {
        Map<String, PruningParams> plan = new LinkedHashMap<>();
        plan.put("a", PruningParams.twoByFour());
        plan.put("b", PruningParams.twoByFour().strict());
        plan.put("c", PruningParams.unstructured(new ConstantSparsity(0.5, 0)));
        plan.put("d", PruningParams.unstructured(new PolynomialDecay(0.1, 0.8, 0, 1000)));
        Map<String, String> entries = ModelMetadata.pruningEntries(plan);
        assertEquals(4, entries.size());
        for (Map.Entry<String, String> e : entries.entrySet()) {
            ModelMetadata.LayerPruning p = ModelMetadata.parsePruning(e.getKey(), e.getValue());
            assertEquals(e.getValue(), p.text(), e.getKey());
        }
        ModelMetadata.LayerPruning a = ModelMetadata.parsePruning("pruning/a", "m_by_n 2:4");
        assertEquals("m_by_n", a.kind());
        assertEquals(2, a.m());
        assertEquals(4, a.n());
        assertEquals("2:4", a.label());
        ModelMetadata.LayerPruning d = ModelMetadata.parsePruning("pruning/d", entries.get("pruning/d"));
        assertEquals("unstructured", d.kind());
        assertEquals(0.8f, d.targetSparsity());
        assertEquals("unstructured 0.80", d.label());
        assertEquals(true, ModelMetadata.parsePruning("pruning/b", entries.get("pruning/b")).strict());
    }

    @Test
    void otherValuesStayPlainPairs() {
        assertNull(ModelMetadata.parsePruning("producer", "m_by_n 2:4"));
        assertNull(ModelMetadata.parsePruning("pruning/x", "something else"));
        assertNull(ModelMetadata.parsePruning("pruning/x", "m_by_n 2:4 "));
        assertNull(ModelMetadata.parsePruning("pruning/x", "m_by_n 99999999999:4"));
    }
}
