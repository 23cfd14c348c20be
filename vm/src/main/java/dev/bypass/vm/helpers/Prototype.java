package dev.bypass.vm.helpers;

import java.util.List;

/** Return and argument types of a helper, in register order r1..r5 (at most five). */
public record Prototype(ReturnType returns, List<ArgType> args) {
    public Prototype {
        args = List.copyOf(args);
        if (args.size() > 5) throw new IllegalArgumentException("helpers take at most 5 arguments");
    }

    public static Prototype of(ReturnType returns, ArgType... args) { return new Prototype(returns, List.of(args)); }
}
