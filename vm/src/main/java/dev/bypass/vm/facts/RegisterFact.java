package dev.bypass.vm.facts;

/**
 * What is proven about one register before one instruction: its type, and for scalars (or the variable part of a
 * pointer's offset) the unsigned and signed 64-bit ranges and known bits ({@code value} holds the bits set in all
 * executions, {@code mask} the bits that may vary). {@code fixedOffset} is a pointer's constant offset from the
 * start of its region object (for stack pointers, from the frame pointer, so negative).
 */
public record RegisterFact(RegisterType type, long umin, long umax, long smin, long smax, long value, long mask,
                           long fixedOffset) {

    public static final RegisterFact UNKNOWN_SCALAR =
            new RegisterFact(RegisterType.SCALAR, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1L, 0);

    public static RegisterFact constant(long v) { return new RegisterFact(RegisterType.SCALAR, v, v, v, v, v, 0, 0); }

    /** True when the register holds the same scalar in every execution. */
    public boolean isConstant() { return type == RegisterType.SCALAR && mask == 0; }

    /** True when the (scalar) value always fits in a signed 32-bit int. */
    public boolean fitsInt() { return type == RegisterType.SCALAR && smin >= Integer.MIN_VALUE && smax <= Integer.MAX_VALUE; }
}
