package dev.bypass.cli;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.ProgramTypes;
import dev.bypass.proxy.hooks.ProgramHooks;
import dev.bypass.proxy.hooks.ProxyAbi;
import dev.bypass.txnstore.programs.StoreHelpers;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.standard.MapHelpers;

/**
 * Every program type and helper the project's hosts define, so that the command line verifies and runs a program
 * with the context layout and helpers it will meet at its hook: the bundled programs' types, the observability
 * hooks (method, probe), the proxy's hooks, and the store's and the agent's helpers.
 */
final class KnownPrograms {
    private KnownPrograms() {}

    static ProgramTypes types() {
        ProgramTypes t = ProbeTypes.all();
        for (ProxyAbi.Hook h : ProxyAbi.Hook.values()) t.register(h.type()); // the proxy's documented ABI (bypass gen header proxy)
        return t;
    }

    static HelperRegistry helpers() {
        return ProgramHooks.registerHelpers(ObservabilityHelpers.register(StoreHelpers.register(MapHelpers.registry().toBuilder()))).build();
    }
}
