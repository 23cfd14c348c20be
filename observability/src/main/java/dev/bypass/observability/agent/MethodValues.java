package dev.bypass.observability.agent;

import java.lang.reflect.Array;
import java.util.Collection;
import java.util.Map;

/**
 * How Java values appear as the 64-bit numbers of {@code method_ctx.args} and {@code ret}: integers as themselves
 * (sign-extended), booleans 0/1, chars as their code, float and double as their IEEE bits, a CharSequence as its
 * length, an array, collection or map as its size, null as 0, any other object as 1. Programs read object contents
 * with the {@code bypass_arg_bytes} helper.
 */
final class MethodValues {
    private MethodValues() {}

    static long asLong(Object v) {
        return switch (v) {
            case null -> 0;
            case Long l -> l;
            case Integer i -> i;
            case Short s -> s;
            case Byte b -> b;
            case Boolean b -> b ? 1 : 0;
            case Character c -> c;
            case Double d -> Double.doubleToRawLongBits(d);
            case Float f -> Float.floatToRawIntBits(f) & 0xffffffffL;
            case CharSequence cs -> cs.length();
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            default -> v.getClass().isArray() ? Array.getLength(v) : 1;
        };
    }
}
