package dev.bypass.vm.exec;

import dev.bypass.vm.LoadException;
import dev.bypass.vm.memory.RegionTable;
import dev.bypass.vm.memory.SharedObjects;
import dev.bypass.vm.isa.Instruction.LoadImm64;

/**
 * Gives the run-time value of an {@code lddw} with a pseudo source (map by fd or index, map value address, BTF
 * variable). The runtime that owns maps supplies one; plain 64-bit immediates and function addresses never reach it.
 */
@FunctionalInterface
public interface PseudoResolver {
    /**
     * The value to load, or throw {@link LoadException} naming what cannot be resolved: for map forms a host handle
     * ({@code Pointers.make(MAP_HANDLE_REGION, id)}), for value forms a {@link SharedObjects#hostPointer}. The linker
     * turns both into references to the program's {@link RegionTable}.
     */
    long resolve(int slot, LoadImm64 insn);

    /**
     * The table the programs linked with this resolver share (one per loaded object), or null: each program then
     * gets a table of its own.
     */
    default RegionTable regionTable() { return null; }

    PseudoResolver NONE = (slot, insn) -> {
        throw new LoadException("instruction " + slot + ": lddw with pseudo source " + insn.pseudo()
                + " refers to a map or BTF object, but the program was loaded without maps");
    };
}
