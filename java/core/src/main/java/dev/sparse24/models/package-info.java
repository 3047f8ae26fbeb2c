/**
 * Whole models above nn and prune: the TFMOT tutorial model ({@link dev.sparse24.models.TutorialModel})
 * and the export of a trained, stripped model to an inference graph
 * ({@link dev.sparse24.models.GraphExporter}).
 */
package dev.sparse24.models;
