/**
 * The proxy's hooks run as eBPF programs. {@link dev.bypass.proxy.hooks.ProxyAbi} describes the ABI once (per hook:
 * section, context struct, return convention, helpers) and derives from it the verifier's program types and the C
 * header {@code bypass gen header proxy} prints. {@link dev.bypass.proxy.hooks.ProgramHooks} runs the programs the
 * configuration's [programs] section names and swaps them atomically on RELOAD, keeping maps declared alike.
 * {@link dev.bypass.proxy.hooks.ProgramQueryHook} is the bundled query_guard object with its host-side API, which
 * runs when the configuration has no [programs] section.
 *
 * <p>The hook types list their helpers ({@link dev.bypass.proxy.hooks.ProxyAbi.Hook#helpers()}), checked at load by
 * {@code ProgramHooks}; a runtime whose program types carry helper sets takes them as the type's own.
 */
package dev.bypass.proxy.hooks;
