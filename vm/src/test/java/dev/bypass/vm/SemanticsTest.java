package dev.bypass.vm;

import dev.bypass.vm.semantics.Semantics;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitEngine;
import dev.bypass.vm.semantics.Ops;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 9669 corner cases, one program each, checked through every engine: the interpreter, the JIT whole and split
 * into one-slot chunks, and, for the cases without memory, constant folding through the verifier's entry points
 * ({@code Semantics.eval}, {@code Semantics.test}, {@code Ops.endian}). Every operation in every encoding
 * is covered by {@code OpcodeTableTest}; these are the cases the RFC calls out.
 */
class SemanticsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        udiv64 by zero gives 0             | lddw %r0, 0x123456789 ; mov %r1, 0 ; div %r0, %r1                 | 0x0
        udiv32 by zero gives 0             | mov %r0, 77 ; div32 %r0, 0                                           | 0x0
        umod64 by zero keeps dividend      | lddw %r0, 0x123456789 ; mov %r1, 0 ; mod %r0, %r1                 | 0x123456789
        umod32 by zero keeps low dividend  | lddw %r0, 0x1ffffffff ; mod32 %r0, 0                                 | 0xffffffff
        sdiv64 by zero gives 0             | mov %r0, -7 ; sdiv %r0, 0                                            | 0x0
        smod64 by zero keeps dividend      | mov %r0, -7 ; smod %r0, 0                                            | 0xfffffffffffffff9
        INT64_MIN sdiv -1 is INT64_MIN     | lddw %r0, 0x8000000000000000 ; sdiv %r0, -1                          | 0x8000000000000000
        INT64_MIN smod -1 is 0             | lddw %r0, 0x8000000000000000 ; smod %r0, -1                          | 0x0
        INT32_MIN sdiv32 -1 is INT32_MIN   | mov32 %r0, 0x80000000 ; sdiv32 %r0, -1                               | 0x80000000
        sdiv truncates toward zero         | mov %r0, -7 ; sdiv %r0, 2                                            | 0xfffffffffffffffd
        smod sign follows dividend         | mov %r0, -7 ; smod %r0, 2                                            | 0xffffffffffffffff
        udiv64 imm is sign-extended        | mov %r0, -1 ; div %r0, -1                                            | 0x1
        udiv32 imm is unsigned 32          | mov %r0, 10 ; div32 %r0, -1                                          | 0x0
        lsh64 amount masked to 6 bits      | mov %r0, 1 ; mov %r1, 65 ; lsh %r0, %r1                              | 0x2
        rsh32 amount masked to 5 bits      | mov %r0, 0x100 ; mov %r1, 36 ; rsh32 %r0, %r1                        | 0x10
        arsh64 keeps sign                  | mov %r0, -16 ; arsh %r0, 2                                           | 0xfffffffffffffffc
        arsh32 keeps sign, zero-extends    | mov32 %r0, -16 ; arsh32 %r0, 2                                       | 0xfffffffc
        add32 zeroes upper half            | lddw %r0, 0xffffffffffffffff ; add32 %r0, 1                          | 0x0
        mov32 zeroes upper half            | mov %r0, -1 ; mov32 %r0, %r0                                         | 0xffffffff
        neg32 zero-extends                 | mov %r0, 1 ; neg32 %r0                                               | 0xffffffff
        mov64 imm sign-extends             | mov %r0, -2                                                          | 0xfffffffffffffffe
        movsx864                           | mov %r1, 0x80 ; movsx864 %r0, %r1                                    | 0xffffffffffffff80
        movsx1632 zero-extends result      | mov %r1, 0x8000 ; movsx1632 %r0, %r1                                 | 0xffff8000
        movsx3264                          | mov32 %r1, 0x80000000 ; movsx3264 %r0, %r1                           | 0xffffffff80000000
        le16 truncates                     | lddw %r0, 0x1122334455667788 ; le16 %r0                              | 0x7788
        le32 truncates                     | lddw %r0, 0x1122334455667788 ; le32 %r0                              | 0x55667788
        le64 is identity                   | lddw %r0, 0x1122334455667788 ; le64 %r0                              | 0x1122334455667788
        be16 swaps and truncates           | lddw %r0, 0x1122334455667788 ; be16 %r0                              | 0x8877
        be32 swaps and truncates           | lddw %r0, 0x1122334455667788 ; be32 %r0                              | 0x88776655
        bswap64                            | lddw %r0, 0x1122334455667788 ; bswap64 %r0                           | 0x8877665544332211
        ldxsb sign-extends                 | stb [%r10-1], 0xf0 ; ldxsb %r0, [%r10-1]                             | 0xfffffffffffffff0
        ldxsh sign-extends                 | sth [%r10-2], -2 ; ldxsh %r0, [%r10-2]                               | 0xfffffffffffffffe
        ldxsw sign-extends                 | stw [%r10-4], -3 ; ldxsw %r0, [%r10-4]                               | 0xfffffffffffffffd
        ldxw zero-extends                  | stw [%r10-4], -3 ; ldxw %r0, [%r10-4]                                | 0xfffffffd
        stdw imm sign-extends              | stdw [%r10-8], -1 ; ldxdw %r0, [%r10-8]                              | 0xffffffffffffffff
        atomic add without fetch           | stdw [%r10-8], 5 ; mov %r1, 3 ; lock add [%r10-8], %r1 ; ldxdw %r0, [%r10-8] | 0x8
        atomic fetch add returns old       | stdw [%r10-8], 5 ; mov %r1, 3 ; lock fetch add [%r10-8], %r1 ; mov %r0, %r1 | 0x5
        atomic32 fetch or zero-extends     | stw [%r10-4], -1 ; mov %r1, 0 ; lock fetch or32 [%r10-4], %r1 ; mov %r0, %r1 | 0xffffffff
        atomic xchg returns old            | stdw [%r10-8], 9 ; mov %r1, 4 ; lock xchg [%r10-8], %r1 ; ldxdw %r0, [%r10-8] ; add %r0, %r1 | 0xd
        cmpxchg success stores             | stdw [%r10-8], 9 ; mov %r0, 9 ; mov %r1, 4 ; lock cmpxchg [%r10-8], %r1 ; ldxdw %r2, [%r10-8] ; lsh %r0, 8 ; add %r0, %r2 | 0x904
        cmpxchg failure keeps memory       | stdw [%r10-8], 9 ; mov %r0, 1 ; mov %r1, 4 ; lock cmpxchg [%r10-8], %r1 ; ldxdw %r2, [%r10-8] ; lsh %r0, 8 ; add %r0, %r2 | 0x909
        cmpxchg32 compares low half        | stw [%r10-4], 7 ; lddw %r0, 0x100000007 ; mov %r1, 2 ; lock cmpxchg32 [%r10-4], %r1 ; ldxw %r2, [%r10-4] ; lsh %r0, 8 ; add %r0, %r2 | 0x702
        jset tests common bits             | mov %r0, 0 ; mov %r1, 6 ; jset %r1, 4, +1 ; exit ; mov %r0, 1        | 0x1
        jslt32 compares low halves signed  | mov %r0, 0 ; lddw %r1, 0x7fffffff80000000 ; jslt32 %r1, 0, +1 ; exit ; mov %r0, 1 | 0x1
        jgt imm is sign-extended unsigned  | mov %r0, 0 ; mov %r1, -2 ; jgt %r1, -3, +1 ; exit ; mov %r0, 1       | 0x1
        """)
    void semantics(String name, String asm, String expected) throws Exception {
        Program p = Assembler.assemble(asm.replace(" ; ", "\n") + "\nexit\n");
        LinkedProgram linked = LinkedProgram.link("semantics", p, BaseHelpers.registry());
        Engine[] engines = {new Interpreter(linked), JitEngine.compile(linked), JitEngine.compileSplit(linked, 1)};
        for (Engine e : engines)
            assertEquals(expected, "0x" + Long.toHexString(e.execute(new ExecutionState(), 0, 0, 0, 0, 0)), name + " on " + e.getClass().getSimpleName());
        Long folded = fold(p);
        if (folded != null) assertEquals(expected, "0x" + Long.toHexString(folded), name + " folded");
    }

    /**
     * What constant folding concludes for a program of constants, ALU, byte swaps and jumps, through the entry points
     * the verifier evaluates constants with; null when the program touches memory (nothing to fold).
     */
    static Long fold(Program p) {
        long[] r = new long[11];
        for (int s = 0; ; ) {
            Instruction insn = p.at(s);
            int next = s + insn.slots();
            switch (insn) {
                case Instruction.Alu a -> {
                    long src = a.useRegister() ? r[a.src()] : a.imm();
                    r[a.dst()] = Semantics.eval(a.op(), a.alu64(), r[a.dst()], src);
                }
                case Instruction.Endian e -> r[e.dst()] = Ops.endian(e.order(), e.bits(), r[e.dst()]);
                case Instruction.LoadImm64 l -> r[l.dst()] = l.value();
                case Instruction.Jump j -> {
                    long b = j.useRegister() ? r[j.src()] : j.imm();
                    if (Semantics.test(j.op(), j.jmp64(), r[j.dst()], b)) next += j.offset();
                }
                case Instruction.Exit x -> {
                    return r[0];
                }
                default -> {
                    return null;
                }
            }
            s = next;
        }
    }
}
