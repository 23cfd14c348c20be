/**
 * The six benchmark kernels of {@code shared/kernels} (programs, inputs, expected results) and the same kernels in
 * plain Java, the yardstick the engines are measured against.
 */
package dev.bypass.bench.kernels;
