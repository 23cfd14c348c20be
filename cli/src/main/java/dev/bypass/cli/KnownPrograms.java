package dev.bypass.cli;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.ProgramTypes;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.txnstore.programs.StoreHelpers;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.MapHelpers;

/**
 * Every program type and helper the project's hosts define, so that the command line verifies and runs a program
 * with the context layout and helpers it will meet at its hook: the bundled programs' types, the observability
 * hooks (method, probe), the proxy's query hook, and the store's and the agent's helpers.
 */
final class KnownPrograms {
    private KnownPrograms() {}

    static ProgramTypes types() {
        return ProbeTypes.all().register(ProgramQueryHook.TYPE).register(ProgramQueryHook.CONNECT_TYPE).register(ProgramQueryHook.RESULT_TYPE)
                .register(ProgramQueryHook.ROUTE_TYPE).register(ProgramQueryHook.MIRROR_TYPE).register(ProgramQueryHook.AUTH_TYPE);
    }

    static HelperRegistry helpers() {
        return ObservabilityHelpers.register(StoreHelpers.register(MapHelpers.registry().toBuilder())).build();
    }
}
