/** JMH benchmarks of the engines and systems, and the plain-Java yardsticks they are compared with. */
package dev.bypass.bench;
