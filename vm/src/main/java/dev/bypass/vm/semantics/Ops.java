package dev.bypass.vm.semantics;

import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.isa.JumpOp;

/**
 * The meaning of every eBPF operation that is more than one JVM instruction, written once. The interpreter calls
 * these, the JIT emits {@code invokestatic} to them (C2 inlines them), and the verifier evaluates constants with them.
 * Semantics follow RFC 9669 and Linux: no operation throws.
 */
public final class Ops {
    private Ops() {}

    // Division and modulo: x / 0 == 0, x % 0 == x; signed INT_MIN / -1 == INT_MIN and INT_MIN % -1 == 0
    // (Java's own overflow behaviour, which matches).

    public static long udiv64(long a, long b) { return b == 0 ? 0 : Long.divideUnsigned(a, b); }

    public static long umod64(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }

    public static long sdiv64(long a, long b) { return b == 0 ? 0 : a / b; }

    public static long smod64(long a, long b) { return b == 0 ? a : a % b; }

    public static int udiv32(int a, int b) { return b == 0 ? 0 : Integer.divideUnsigned(a, b); }

    public static int umod32(int a, int b) { return b == 0 ? a : Integer.remainderUnsigned(a, b); }

    public static int sdiv32(int a, int b) { return b == 0 ? 0 : a / b; }

    public static int smod32(int a, int b) { return b == 0 ? a : a % b; }

    // Shifts: the amount is masked to the operand width (Java does the same masking, so these are plain shifts;
    // they exist so that every consumer names the same operation).

    public static long lsh64(long a, long b) { return a << (b & 63); }

    public static long rsh64(long a, long b) { return a >>> (b & 63); }

    public static long arsh64(long a, long b) { return a >> (b & 63); }

    public static int lsh32(int a, int b) { return a << (b & 31); }

    public static int rsh32(int a, int b) { return a >>> (b & 31); }

    public static int arsh32(int a, int b) { return a >> (b & 31); }

    /** Byte swaps on a little-endian machine: {@code le} truncates, {@code be} and {@code bswap} reverse bytes. */
    public static long endian(ByteOrder order, int bits, long v) {
        return order == ByteOrder.LE ? truncate(bits, v) : bswap(bits, v);
    }

    public static long truncate(int bits, long v) {
        return switch (bits) {
            case 16 -> v & 0xffffL;
            case 32 -> v & 0xffffffffL;
            default -> v;
        };
    }

    public static long bswap(int bits, long v) {
        return switch (bits) {
            case 16 -> Short.reverseBytes((short) v) & 0xffffL;
            case 32 -> Integer.reverseBytes((int) v) & 0xffffffffL;
            default -> Long.reverseBytes(v);
        };
    }

    public static long bswap16(long v) { return Short.reverseBytes((short) v) & 0xffffL; }

    public static long bswap32(long v) { return Integer.reverseBytes((int) v) & 0xffffffffL; }

    public static boolean compare64(JumpOp op, long a, long b) {
        return switch (op) {
            case JEQ -> a == b;
            case JNE -> a != b;
            case JGT -> Long.compareUnsigned(a, b) > 0;
            case JGE -> Long.compareUnsigned(a, b) >= 0;
            case JLT -> Long.compareUnsigned(a, b) < 0;
            case JLE -> Long.compareUnsigned(a, b) <= 0;
            case JSET -> (a & b) != 0;
            case JSGT -> a > b;
            case JSGE -> a >= b;
            case JSLT -> a < b;
            case JSLE -> a <= b;
        };
    }

    public static boolean compare32(JumpOp op, int a, int b) {
        return switch (op) {
            case JEQ -> a == b;
            case JNE -> a != b;
            case JGT -> Integer.compareUnsigned(a, b) > 0;
            case JGE -> Integer.compareUnsigned(a, b) >= 0;
            case JLT -> Integer.compareUnsigned(a, b) < 0;
            case JLE -> Integer.compareUnsigned(a, b) <= 0;
            case JSET -> (a & b) != 0;
            case JSGT -> a > b;
            case JSGE -> a >= b;
            case JSLT -> a < b;
            case JSLE -> a <= b;
        };
    }

    /** Sign-extends the low {@code bits} of {@code v} (loads with {@code ldxs*}, {@code movsx}). */
    public static long signExtend(int bits, long v) {
        return switch (bits) {
            case 8 -> (byte) v;
            case 16 -> (short) v;
            case 32 -> (int) v;
            default -> v;
        };
    }

    /** Zero-extends a value read at {@code bytes} width. */
    public static long zeroExtend(int bytes, long v) {
        return switch (bytes) {
            case 1 -> v & 0xffL;
            case 2 -> v & 0xffffL;
            case 4 -> v & 0xffffffffL;
            default -> v;
        };
    }
}
