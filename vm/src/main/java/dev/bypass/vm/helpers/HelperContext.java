package dev.bypass.vm.helpers;

import dev.bypass.vm.memory.Memory;

/** What a helper sees of the execution that called it. */
public interface HelperContext {
    /** The calling thread's address space: the only way to dereference pointer arguments. */
    Memory memory();

    /** Host objects attached to the execution (maps, the program's environment), looked up by type. */
    <T> T attachment(Class<T> type);

    /** The CPU cell of the calling execution: which value of a per-CPU map it sees. */
    int cpu();
}
