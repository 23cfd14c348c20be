package dev.bypass.vm;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.helpers.HelperRegistry;

/** Test shorthand: assemble, link and run with the interpreter. */
final class Programs {
    private Programs() {}

    static long run(String asm) { return run(asm, BaseHelpers.registry(), new ExecutionState()); }

    static long run(String asm, HelperRegistry helpers, ExecutionState state) {
        LinkedProgram p = LinkedProgram.link("test", Assembler.assemble(asm), helpers);
        return new Interpreter(p).execute(state, 0, 0, 0, 0, 0);
    }

    static long runWithMemory(String asm, byte[] memory) {
        LinkedProgram p = LinkedProgram.link("test", Assembler.assemble(asm), BaseHelpers.registry());
        ExecutionState st = new ExecutionState();
        long r1 = st.memory().bind(Memory.DATA_REGION, Region.of("input", memory, true));
        return new Interpreter(p).execute(st, r1, memory.length, 0, 0, 0);
    }
}
