/**
 * Test fixtures shared by the tests of every module (core's test-jar): random 2:4 weights and
 * the tutorial model pruned by hand.
 */
package dev.sparse24.testing;
