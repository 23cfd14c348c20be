package dev.bypass.vm.semantics;

import static dev.bypass.vm.isa.AluOp.*;
import static dev.bypass.vm.isa.ByteOrder.BE;
import static dev.bypass.vm.isa.ByteOrder.LE;
import static dev.bypass.vm.isa.ByteOrder.SWAP;
import static dev.bypass.vm.isa.JumpOp.*;

import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.semantics.Semantics.Alu;
import dev.bypass.vm.semantics.Semantics.Jump;
import dev.bypass.vm.semantics.Semantics.Swap;

/**
 * The meaning of every eBPF ALU, byte-swap and conditional-jump operation, written once as a static method and
 * marked with the operation it implements. {@link Semantics} indexes them by operation; the interpreter calls them,
 * the JIT copies their bytecode into compiled programs (or calls the larger ones), and the verifier evaluates
 * constants with them. Semantics follow RFC 9669 and Linux: no operation throws.
 *
 * <p>32-bit operations take and return {@code int}s: an ALU32 instruction reads the low halves of its operands and
 * writes {@link #alu32} of the result (zero-extended), the rule of the whole class.
 */
public final class Ops {
    private Ops() {}

    // ---- ALU64 ----

    @Alu(ADD) public static long add64(long a, long b) { return a + b; }

    @Alu(SUB) public static long sub64(long a, long b) { return a - b; }

    @Alu(MUL) public static long mul64(long a, long b) { return a * b; }

    // Division and modulo: x / 0 == 0, x % 0 == x; signed MIN / -1 == MIN and MIN % -1 == 0 (Java's own overflow
    // behaviour, which matches).

    @Alu(DIV) public static long udiv64(long a, long b) { return b == 0 ? 0 : Long.divideUnsigned(a, b); }

    @Alu(SDIV) public static long sdiv64(long a, long b) { return b == 0 ? 0 : a / b; }

    @Alu(MOD) public static long umod64(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }

    @Alu(SMOD) public static long smod64(long a, long b) { return b == 0 ? a : a % b; }

    @Alu(OR) public static long or64(long a, long b) { return a | b; }

    @Alu(AND) public static long and64(long a, long b) { return a & b; }

    @Alu(XOR) public static long xor64(long a, long b) { return a ^ b; }

    // Shifts: the amount is masked to the operand width (the JVM masks the same way).

    @Alu(LSH) public static long lsh64(long a, long b) { return a << b; }

    @Alu(RSH) public static long rsh64(long a, long b) { return a >>> b; }

    @Alu(ARSH) public static long arsh64(long a, long b) { return a >> b; }

    @Alu(NEG) public static long neg64(long a) { return -a; }

    @Alu(MOV) public static long mov64(long b) { return b; }

    @Alu(MOVSX8) public static long movsx864(long b) { return (byte) b; }

    @Alu(MOVSX16) public static long movsx1664(long b) { return (short) b; }

    @Alu(MOVSX32) public static long movsx3264(long b) { return (int) b; }

    // ---- ALU32 ----

    @Alu(ADD) public static int add32(int a, int b) { return a + b; }

    @Alu(SUB) public static int sub32(int a, int b) { return a - b; }

    @Alu(MUL) public static int mul32(int a, int b) { return a * b; }

    @Alu(DIV) public static int udiv32(int a, int b) { return b == 0 ? 0 : Integer.divideUnsigned(a, b); }

    @Alu(SDIV) public static int sdiv32(int a, int b) { return b == 0 ? 0 : a / b; }

    @Alu(MOD) public static int umod32(int a, int b) { return b == 0 ? a : Integer.remainderUnsigned(a, b); }

    @Alu(SMOD) public static int smod32(int a, int b) { return b == 0 ? a : a % b; }

    @Alu(OR) public static int or32(int a, int b) { return a | b; }

    @Alu(AND) public static int and32(int a, int b) { return a & b; }

    @Alu(XOR) public static int xor32(int a, int b) { return a ^ b; }

    @Alu(LSH) public static int lsh32(int a, int b) { return a << b; }

    @Alu(RSH) public static int rsh32(int a, int b) { return a >>> b; }

    @Alu(ARSH) public static int arsh32(int a, int b) { return a >> b; }

    @Alu(NEG) public static int neg32(int a) { return -a; }

    @Alu(MOV) public static int mov32(int b) { return b; }

    @Alu(MOVSX8) public static int movsx832(int b) { return (byte) b; }

    @Alu(MOVSX16) public static int movsx1632(int b) { return (short) b; }

    /** The register value an ALU32 instruction writes: its 32-bit result, zero-extended. */
    public static long alu32(int result) { return result & 0xffffffffL; }

    // ---- byte swaps (the machine is little-endian: "to little endian" truncates, "to big endian" swaps) ----

    @Swap(value = LE, bits = 16) public static long le16(long v) { return v & 0xffffL; }

    @Swap(value = LE, bits = 32) public static long le32(long v) { return v & 0xffffffffL; }

    @Swap(value = LE, bits = 64) public static long le64(long v) { return v; }

    @Swap(value = {BE, SWAP}, bits = 16) public static long bswap16(long v) { return Short.reverseBytes((short) v) & 0xffffL; }

    @Swap(value = {BE, SWAP}, bits = 32) public static long bswap32(long v) { return Integer.reverseBytes((int) v) & 0xffffffffL; }

    @Swap(value = {BE, SWAP}, bits = 64) public static long bswap64(long v) { return Long.reverseBytes(v); }

    // ---- conditional jumps: true when the jump is taken ----

    @Jump(JEQ) public static boolean jeq64(long a, long b) { return a == b; }

    @Jump(JNE) public static boolean jne64(long a, long b) { return a != b; }

    @Jump(JGT) public static boolean jgt64(long a, long b) { return Long.compareUnsigned(a, b) > 0; }

    @Jump(JGE) public static boolean jge64(long a, long b) { return Long.compareUnsigned(a, b) >= 0; }

    @Jump(JLT) public static boolean jlt64(long a, long b) { return Long.compareUnsigned(a, b) < 0; }

    @Jump(JLE) public static boolean jle64(long a, long b) { return Long.compareUnsigned(a, b) <= 0; }

    @Jump(JSET) public static boolean jset64(long a, long b) { return (a & b) != 0; }

    @Jump(JSGT) public static boolean jsgt64(long a, long b) { return a > b; }

    @Jump(JSGE) public static boolean jsge64(long a, long b) { return a >= b; }

    @Jump(JSLT) public static boolean jslt64(long a, long b) { return a < b; }

    @Jump(JSLE) public static boolean jsle64(long a, long b) { return a <= b; }

    @Jump(JEQ) public static boolean jeq32(int a, int b) { return a == b; }

    @Jump(JNE) public static boolean jne32(int a, int b) { return a != b; }

    @Jump(JGT) public static boolean jgt32(int a, int b) { return Integer.compareUnsigned(a, b) > 0; }

    @Jump(JGE) public static boolean jge32(int a, int b) { return Integer.compareUnsigned(a, b) >= 0; }

    @Jump(JLT) public static boolean jlt32(int a, int b) { return Integer.compareUnsigned(a, b) < 0; }

    @Jump(JLE) public static boolean jle32(int a, int b) { return Integer.compareUnsigned(a, b) <= 0; }

    @Jump(JSET) public static boolean jset32(int a, int b) { return (a & b) != 0; }

    @Jump(JSGT) public static boolean jsgt32(int a, int b) { return a > b; }

    @Jump(JSGE) public static boolean jsge32(int a, int b) { return a >= b; }

    @Jump(JSLT) public static boolean jslt32(int a, int b) { return a < b; }

    @Jump(JSLE) public static boolean jsle32(int a, int b) { return a <= b; }

    // ---- selectors by run-time operand, for code that does not know the operation statically ----

    /** {@code le}/{@code be}/{@code bswap} of {@code bits}, as {@link Semantics#swap} declares them. */
    public static long endian(ByteOrder order, int bits, long v) { return Semantics.swapValue(order, bits, v); }

    /** To-little-endian conversion of {@code bits} (a truncation): the interpreter's {@code le} with a run-time width. */
    public static long truncate(int bits, long v) {
        return switch (bits) {
            case 16 -> le16(v);
            case 32 -> le32(v);
            default -> le64(v);
        };
    }

    /** Byte swap of {@code bits}: the interpreter's {@code be} and {@code bswap} with a run-time width. */
    public static long bswap(int bits, long v) {
        return switch (bits) {
            case 16 -> bswap16(v);
            case 32 -> bswap32(v);
            default -> bswap64(v);
        };
    }

    public static boolean compare64(JumpOp op, long a, long b) { return Semantics.test(op, true, a, b); }

    public static boolean compare32(JumpOp op, int a, int b) { return Semantics.test(op, false, a, b); }

    /** Sign-extends the low {@code bits} of {@code v} (sign-extending loads and moves); other widths unchanged. */
    public static long signExtend(int bits, long v) {
        return switch (bits) {
            case 8 -> movsx864(v);
            case 16 -> movsx1664(v);
            case 32 -> movsx3264(v);
            default -> v;
        };
    }
}
