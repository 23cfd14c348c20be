package dev.bypass.observability.telemetry;

import java.nio.charset.StandardCharsets;

/** How a Java value becomes text for programs: what the argument helpers copy and what statements are keyed by. */
public final class ValueText {
    private ValueText() {}

    /** The bytes a helper copies for a Java value: null for primitives and their boxes. */
    public static byte[] bytes(Object v) {
        return switch (v) {
            case byte[] b -> b;
            case String s -> s.getBytes(StandardCharsets.UTF_8);
            case char[] chars -> new String(chars).getBytes(StandardCharsets.UTF_8);
            case Number n -> null;
            case Boolean b -> null;
            case Character ch -> null;
            default -> String.valueOf(v).getBytes(StandardCharsets.UTF_8);
        };
    }
}
