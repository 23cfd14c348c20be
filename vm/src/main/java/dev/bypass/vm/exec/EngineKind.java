package dev.bypass.vm.exec;

import java.util.Locale;

/** Which engine runs a program: the interpreter, the JIT, or automatic (interpret first, compile when hot). */
public enum EngineKind {
    INTERPRETER, JIT, AUTO;

    public static EngineKind parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "interpreter", "interp", "int" -> INTERPRETER;
            case "jit" -> JIT;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("unknown engine '" + s + "' (interpreter, jit, auto)");
        };
    }
}
