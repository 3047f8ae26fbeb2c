/**
 * The service-provider interface between the core runtime and device backends kept in their
 * own artifacts (the CUDA backend in {@code sparse24-cuda}): {@link
 * dev.sparse24.runtime.spi.BackendProvider}, found by {@link java.util.ServiceLoader}.
 */
package dev.sparse24.runtime.spi;
