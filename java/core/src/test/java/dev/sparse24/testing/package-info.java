/**
 * Test fixtures shared by the tests of every module (core's test-jar): random 2:4 weights, the
 * tutorial model pruned by hand, and access to data from outside the repository (MNIST, the
 * third-party TFLite models), skipped with a message where absent.
 */
package dev.sparse24.testing;
