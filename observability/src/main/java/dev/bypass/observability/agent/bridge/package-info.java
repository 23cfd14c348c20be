/**
 * The part of the agent that instrumented methods call, loaded by the bootstrap class loader so that JDK classes
 * can be probed too: {@link dev.bypass.observability.agent.bridge.ProbeBridge} forwards to the agent (or does nothing
 * once it has detached) and {@link dev.bypass.observability.agent.bridge.ProbeFrame} carries the arguments without
 * boxing. Not for application code.
 */
package dev.bypass.observability.agent.bridge;
