package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitEngine;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Functions whose frame the verifier proves confined (no stack pointer escapes, every stack access at a constant
 * offset) keep their stack words in JVM locals when compiled with facts. Seeded programs of spills, fills and
 * sub-word stores at constant offsets, with branches, loops and a local call: the compiled code must give the
 * interpreter's r0 and context bytes, and most programs must indeed be confined so that the path is exercised.
 */
class FrameInLocalsTest {
    static final int CTX = 16;
    static final String[] W = {"b", "h", "w", "dw"};

    static String generate(Random rnd) {
        StringBuilder b = new StringBuilder("mov %r6, %r1\nmov %r0, 0\n");
        for (int r = 2; r <= 9; r++) if (r != 6) b.append("mov %r").append(r).append(", ").append(rnd.nextInt(1000) - 500).append('\n');
        // every word the program reads is written first, so the verifier accepts the fills
        for (int off = 8; off <= 64; off += 8) b.append("stdw [%r10-").append(off).append("], ").append(rnd.nextInt()).append('\n');
        int n = 10 + rnd.nextInt(30);
        boolean call = rnd.nextBoolean();
        for (int i = 0; i < n; i++) {
            b.append("L").append(i).append(":\n");
            int d = 2 + rnd.nextInt(8), s = 2 + rnd.nextInt(8);
            if (d == 6) d = 7;
            if (s == 6) s = 8; // the context pointer stays out of arithmetic and the stack
            int w = rnd.nextInt(4), size = 1 << w;
            int off = -8 * (1 + rnd.nextInt(8)) + size * rnd.nextInt(8 / size); // aligned, inside one word
            switch (rnd.nextInt(9)) {
                case 0, 1 -> b.append("stx").append(W[w]).append(" [%r10").append(off).append("], %r").append(s).append('\n');
                case 2 -> b.append("st").append(W[w]).append(" [%r10").append(off).append("], ").append(rnd.nextInt()).append('\n');
                case 3, 4 -> b.append("ldx").append(W[w]).append(" %r").append(d).append(", [%r10").append(off).append("]\n");
                case 5 -> b.append(new String[] {"add", "xor", "mul", "sub"}[rnd.nextInt(4)]).append(" %r").append(d).append(", %r").append(s).append('\n');
                case 6 -> b.append("jgt %r").append(d).append(", %r").append(s).append(", L").append(i + 1 + rnd.nextInt(n - i)).append('\n');
                case 7 -> { if (call) b.append("mov %r1, %r").append(s).append("\ncall local fn\nadd %r0, %r7\nmov %r2, 1\nmov %r3, 2\nmov %r4, 3\nmov %r5, 4\n"); }
                default -> b.append("ldxb %r").append(d).append(", [%r6+").append(rnd.nextInt(CTX)).append("]\nadd %r0, %r").append(d).append('\n');
            }
        }
        b.append("L").append(n).append(":\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nldxdw %r1, [%r10-64]\nxor %r0, %r1\n");
        b.append("stxdw [%r6+0], %r0\nexit\n");
        if (call) b.append("fn:\nstdw [%r10-8], 3\nstxw [%r10-4], %r1\nldxdw %r0, [%r10-8]\nexit\n");
        return b.toString();
    }

    static String outcome(Engine e, byte[] ctx) {
        byte[] copy = ctx.clone();
        ExecutionState st = new ExecutionState();
        long r1 = st.memory().bind(Memory.DATA_REGION, Region.of("ctx", copy, true));
        try {
            return "r0=" + e.execute(st, r1, 0, 0, 0, 0) + " ctx=" + java.util.HexFormat.of().formatHex(copy);
        } catch (ExecutionException x) {
            return x.kind() + "@" + x.pc();
        }
    }

    @Test
    void confinedFramesInLocalsAgreeWithTheInterpreter() throws Exception {
        ProgramType raw = new ProgramType("raw", "", ContextLayout.raw(CTX));
        int accepted = 0, confined = 0;
        java.util.Map<ErrorCode, Integer> rejected = new java.util.EnumMap<>(ErrorCode.class);
        for (long seed = 1; seed <= 2000; seed++) {
            Random rnd = new Random(seed);
            String asm = generate(rnd);
            Program p = Assembler.assemble(asm);
            StandardVerifier.Result res = StandardVerifier.analyse(new VerificationRequest("frame", p, raw, List.of(), CorpusTest.helpers(),
                    s -> null, List.of()), false);
            if (!res.accepted()) {
                rejected.merge(res.rejection().code(), 1, Integer::sum);
                continue;
            }
            accepted++;
            if (res.facts().stackConfined(0)) confined++;
            LinkedProgram linked = LinkedProgram.link("frame", p, CorpusTest.helpers());
            byte[] ctx = new byte[CTX];
            rnd.nextBytes(ctx);
            String interpreted = outcome(new Interpreter(linked), ctx), compiled = outcome(JitEngine.compile(linked, res.facts()), ctx);
            assertEquals(interpreted, compiled, "seed " + seed + "\n" + asm);
        }
        System.out.println("frames in locals: " + accepted + " accepted of 2000, " + confined + " with a confined frame; rejected " + rejected);
        assertTrue(accepted > 1000, "most programs verify: " + accepted);
        assertTrue(confined > accepted / 2, "most accepted programs keep their frame in locals: " + confined);
    }
}
