package dev.bypass.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.bench.kernels.Kernel;
import dev.bypass.bench.kernels.PlainJavaKernels;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The benchmarks measure the right thing: every kernel gives its expected result in each implementation. */
class KernelsTest {
    @ParameterizedTest
    @EnumSource(Kernel.class)
    void interpreterJitAndPlainJavaAgree(Kernel k) throws Exception {
        LinkedProgram linked = LinkedProgram.link(k.file, k.program(), BaseHelpers.registry());
        for (dev.bypass.vm.exec.Engine engine : new dev.bypass.vm.exec.Engine[] {new Interpreter(linked), dev.bypass.vm.jit.JitEngine.compile(linked)}) {
            byte[] in = k.input();
            ExecutionState st = new ExecutionState();
            long r1 = in == null ? 0 : st.memory().bind(Memory.DATA_REGION, Region.of("input", in, true));
            long r0 = engine.execute(st, r1, in == null ? 0 : in.length, 0, 0, 0);
            assertEquals(Long.toHexString(k.expected), Long.toHexString(r0), engine.getClass().getSimpleName());
        }
        byte[] in = k.input();
        long java = PlainJavaKernels.run(k, in == null ? MemorySegment.NULL : MemorySegment.ofArray(in), new long[64]);
        assertEquals(Long.toHexString(k.expected), Long.toHexString(java));
    }
}
