/**
 * Work the {@code sparse24} commands share: exporting a model in both formats, drawing the mask
 * pictures, timing an inference session. The commands in {@code dev.sparse24.cli} parse options
 * and print; they call these classes, never each other.
 */
package dev.sparse24.tools;
