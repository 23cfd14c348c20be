package dev.bypass.vm.helpers;

import java.util.List;

/**
 * Return and argument types of a helper, in register order r1..r5 (at most five). A helper taking a callback
 * ({@link ArgType#PTR_TO_FUNC}) also says what it passes the callback in r1.. ({@code callbackArgs}); by default
 * that is {@code bpf_loop}'s shape, an index and the context, when the helper takes a context, and nothing otherwise
 * (the verifier then lets the callback read no argument).
 */
public record Prototype(ReturnType returns, List<ArgType> args, List<CallbackArg> callbackArgs) {
    /** {@code bpf_loop}'s callback: {@code long cb(u32 index, void *ctx)}. */
    public static final List<CallbackArg> LOOP_CALLBACK = List.of(new CallbackArg.Index(), new CallbackArg.Context());

    public Prototype {
        args = List.copyOf(args);
        callbackArgs = List.copyOf(callbackArgs);
        if (args.size() > 5) throw new IllegalArgumentException("helpers take at most 5 arguments");
        if (callbackArgs.size() > 5) throw new IllegalArgumentException("callbacks take at most 5 arguments");
        boolean takesCallback = args.contains(ArgType.PTR_TO_FUNC);
        if (!takesCallback && !callbackArgs.isEmpty()) throw new IllegalArgumentException("callback arguments for a helper without a callback");
        if (callbackArgs.stream().anyMatch(a -> a instanceof CallbackArg.Context) && !args.contains(ArgType.PTR_TO_STACK_OR_NULL))
            throw new IllegalArgumentException("a callback context needs a PTR_TO_STACK_OR_NULL argument");
        if (callbackArgs.stream().anyMatch(a -> a instanceof CallbackArg.MapHandle || a instanceof CallbackArg.MapKey || a instanceof CallbackArg.MapValue)
                && !args.contains(ArgType.CONST_MAP_PTR))
            throw new IllegalArgumentException("callback map arguments need a CONST_MAP_PTR argument");
    }

    public Prototype(ReturnType returns, List<ArgType> args) {
        this(returns, args, args.contains(ArgType.PTR_TO_FUNC) && args.contains(ArgType.PTR_TO_STACK_OR_NULL) ? LOOP_CALLBACK : List.of());
    }

    public static Prototype of(ReturnType returns, ArgType... args) { return new Prototype(returns, List.of(args)); }

    /** The same helper arguments with the callback receiving {@code callback}. */
    public Prototype withCallback(CallbackArg... callback) { return new Prototype(returns, args, List.of(callback)); }
}
