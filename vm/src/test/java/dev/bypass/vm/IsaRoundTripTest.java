package dev.bypass.vm;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.asm.Disassembler;
import dev.bypass.vm.isa.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Enumerates every opcode with a spread of field values: whatever the decoder accepts must re-encode to the same
 * slots and survive disassembly and re-assembly unchanged; the set of accepted opcodes is exactly RFC 9669's.
 */
class IsaRoundTripTest {
    private static final int[] REGS = {0, 1, 9, 10, 11, 15};
    private static final int[] SRCS = {0, 1, 2, 3, 4, 5, 6, 7, 10, 12};
    private static final short[] OFFS = {0, 1, -1, 8, 16, 32, 0x7fff, -0x8000};
    private static final int[] IMMS = {0, 1, -1, 16, 32, 64, 0x7fffffff, 0x80000000, 0x40, 0x41, 0x50, 0x51, 0xa0,
            0xa1, 0xe1, 0xf1, 0xe0, 0xf0, 3};

    static Set<Integer> expectedOpcodes() {
        Set<Integer> s = new TreeSet<>();
        for (int code = 0; code <= 0xc; code++) {
            s.add(0x07 | code << 4);
            s.add(0x04 | code << 4);
            if (code != 0x8) {
                s.add(0x0f | code << 4);
                s.add(0x0c | code << 4);
            }
        }
        s.addAll(List.of(0xd7, 0xd4, 0xdc));
        s.addAll(List.of(0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91));
        s.addAll(List.of(0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb));
        s.addAll(List.of(0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50));
        for (JumpOp op : JumpOp.values()) {
            s.add(0x05 | op.code << 4);
            s.add(0x0d | op.code << 4);
            s.add(0x06 | op.code << 4);
            s.add(0x0e | op.code << 4);
        }
        s.addAll(List.of(0x05, 0x06, 0x85, 0x8d, 0x95));
        s.add(0xe5); // may_goto (BPF_JMP|BPF_JCOND), Linux's extension
        return s;
    }

    @Test
    void mayGotoIsStrict() {
        assertEquals(new Instruction.MayGoto((short) -3), Decoder.decodeOne(0, new RawInstruction(0xe5, 0, 0, (short) -3, 0), null));
        assertEquals("may_goto -3", Disassembler.format(new Instruction.MayGoto((short) -3)));
        assertThrows(BytecodeException.class, () -> Decoder.decodeOne(0, new RawInstruction(0xe5, 0, 0, (short) 0, 0), null));
        assertThrows(BytecodeException.class, () -> Decoder.decodeOne(0, new RawInstruction(0xe5, 0, 1, (short) 2, 0), null));
        assertThrows(BytecodeException.class, () -> Decoder.decodeOne(0, new RawInstruction(0xe5, 1, 0, (short) 2, 0), null));
        assertThrows(BytecodeException.class, () -> Decoder.decodeOne(0, new RawInstruction(0xe5, 0, 0, (short) 2, 1), null));
        assertThrows(BytecodeException.class, () -> Decoder.decodeOne(0, new RawInstruction(0xe6, 0, 0, (short) 2, 0), null));
        assertEquals(List.of(new Instruction.MayGoto((short) 1), new Instruction.Exit(), new Instruction.Exit()),
                Assembler.assemble("may_goto out\nexit\nout:\nexit").instructions());
    }

    @Test
    void everyAcceptedFormRoundTrips() {
        Set<Integer> accepted = new TreeSet<>();
        int forms = 0;
        for (int op = 0; op < 256; op++) {
            for (int dst : REGS) for (int src : SRCS) for (short off : OFFS) for (int imm : IMMS) {
                RawInstruction raw = new RawInstruction(op, dst, src, off, imm);
                RawInstruction second = new RawInstruction(0, 0, 0, (short) 0, src == 2 || src == 3 || src == 6 ? 0x12345678 : 0);
                Instruction insn;
                try {
                    insn = Decoder.decodeOne(0, raw, second);
                } catch (BytecodeException e) {
                    assertTrue(e.getMessage().startsWith("instruction 0: "), e.getMessage());
                    continue;
                }
                accepted.add(op);
                forms++;
                RawInstruction[] enc = Encoder.encode(insn);
                assertEquals(raw, enc[0], () -> "re-encoding of " + insn);
                if (insn.slots() == 2) assertEquals(second, enc[1]);
                // Jumps need targets inside a program: disassemble/assemble the instruction on its own with
                // relative offsets, which the assembler keeps as written.
                String text = Disassembler.format(insn);
                List<Instruction> back = Assembler.assembleInstructions(text);
                assertEquals(List.of(insn), back, () -> "assemble(disassemble) of '" + text + "'");
            }
        }
        assertEquals(expectedOpcodes(), accepted, "opcodes the decoder accepts");
        assertTrue(forms > 5000, "enumerated forms: " + forms);
    }

    @Test
    void wholeProgramsRoundTripThroughBytesAndText() {
        String text = """
                mov %r0, 0
                lddw %r1, 0x8000000000000001
                loop:
                add %r0, 1
                jlt32 %r0, 10, loop
                lock fetch add [%r10-8], %r0
                call local fn
                ja32 done
                fn:
                mov %r0, 5
                exit
                done:
                exit
                """;
        Program p = Assembler.assemble(text);
        assertEquals(p, Decoder.decode(p.bytes()));
        assertEquals(p, Assembler.assemble(Disassembler.disassemble(p)));
        assertEquals(p, Assembler.assemble(Disassembler.withLabels(p)));
    }

    @Test
    void decoderNamesTheInstructionAndTheProblem() {
        assertDecodeError("instruction 1: unknown opcode 0xff", 0xb7L, 0xffL);
        assertDecodeError("instruction 0: opcode 0xbf: bad register r11 in dst", 0xbfL | 11 << 8, 0x95L);
        assertDecodeError("instruction 0: opcode 0x18: lddw is missing its second half", 0x18L);
        assertDecodeError("instruction 0: jump target 5 is outside the program (0..1)", 0x05L | 4L << 16, 0x95L);
        assertDecodeError("instruction 0: jump target 2 is the second half of lddw", 0x05L | 1L << 16, 0x18L, 0L, 0x95L);
        assertDecodeError("instruction 0: opcode 0xb7: unused field src must be zero, is 1", 0xb7L | 1 << 12, 0x95L);
        BytecodeException e = assertThrows(BytecodeException.class, () -> Decoder.decode(new byte[12]));
        assertEquals("program length 12 is not a multiple of 8 bytes", e.getMessage());
    }

    private static void assertDecodeError(String expected, long... words) {
        BytecodeException e = assertThrows(BytecodeException.class, () -> Decoder.decode(words));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void rawSectionsOfTheSuiteMatchOurEncoding() throws Exception {
        List<String> checked = new ArrayList<>();
        for (var f : ConformanceTest.files()) {
            var data = dev.bypass.vm.asm.DataFile.parse(java.nio.file.Files.readString(f));
            if (data.raw().isEmpty()) continue;
            long[] words = Assembler.assemble(data.asm()).words();
            assertArrayEquals(data.raw().stream().mapToLong(Long::longValue).toArray(), words, f.toString());
            checked.add(f.getFileName().toString());
        }
        assertFalse(checked.isEmpty(), "the suite has files with -- raw sections");
    }
}
