/**
 * The Java agent: programs attached to methods of unmodified applications ({@link dev.bypass.observability.agent.AgentConfig}).
 *
 * <p>What a probed call costs the application's thread is kept to the programs' own work. When the agent attaches,
 * it reads each attached program's instructions together with what the verifier proved about them
 * ({@code ContextUse}): which {@code method_ctx} fields it loads and which Java values it asks helpers for. The
 * instrumented method then hands over only those, written into a per-thread frame of the boot-class-path bridge
 * without boxing ({@code MethodProbeTransformer}, {@code ProbeDispatcher}); the dispatcher fills only those context
 * fields (an object's length or size, the clock for {@code elapsed_ns}, only when read) and runs the programs. No
 * allocation per call: helpers copy into program memory without a view object, statement texts are normalised once
 * per statement object ({@code bypass_arg_sql}, {@link dev.bypass.observability.telemetry.StatementCache}), and
 * feature records leave as fixed-size binary ring-buffer records that a collector thread formats in batches
 * ({@link dev.bypass.observability.metrics.RecordStream}). Start-up is reported apart ({@link AgentSession#startup()});
 * verification results are kept per class loader ({@code VerificationCache}) so attaching again skips it.
 *
 * <p>The administration endpoint ({@code AdminEndpoint}) requires the bearer token the agent writes at start to a
 * file only the application's user can read ({@link dev.bypass.observability.agent.AdminToken}, which says why a
 * token rather than a Unix domain socket); the scrape endpoint is read-only; both listen on loopback by default.
 */
package dev.bypass.observability.agent;
