/**
 * One-shot 2:4 of a trained dense model with fine-tuning, as NVIDIA's ASP does for PyTorch:
 * {@link dev.sparse24.sparsify.GraphToLayers} turns an imported graph into trainable layers,
 * {@link dev.sparse24.sparsify.ChannelPermutation} searches the input-channel order that keeps the
 * most magnitude under 2:4 and {@link dev.sparse24.sparsify.ModelPermutation} applies it to
 * consumer and producer alike, {@link dev.sparse24.sparsify.Sparsifier} prunes, fine-tunes with
 * the masks fixed and exports.
 */
package dev.sparse24.sparsify;
