/** Test fixtures shared by the core, CLI and bench tests: access to data from outside the repository. */
package dev.sparse24.testing;
