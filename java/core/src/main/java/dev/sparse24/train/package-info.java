/** Training: optimizers (SGD, Adam), the loss, fit/evaluate/predict, callbacks, progress output. */
package dev.sparse24.train;
