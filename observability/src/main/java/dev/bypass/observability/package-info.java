/**
 * Observability on top of the runtime: Micrometer binders over maps, ring-buffer event streams, static probe
 * points, and a Java agent that attaches programs to methods of unmodified applications.
 */
package dev.bypass.observability;
