/**
 * Static probe points for DBMS code, after TScout: an {@link dev.bypass.observability.probes.OperatingUnit} marks
 * the begin, end, features and flush of a unit of work, and programs attached through
 * {@link dev.bypass.observability.probes.Probes} see each mark with the thread's clock, CPU time and allocation
 * counter. A mark with no program attached costs one volatile read.
 */
package dev.bypass.observability.probes;
