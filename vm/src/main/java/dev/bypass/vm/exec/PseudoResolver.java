package dev.bypass.vm.exec;

import dev.bypass.vm.isa.Instruction.LoadImm64;

/**
 * Gives the run-time value of an {@code lddw} with a pseudo source (map by fd or index, map value address, BTF
 * variable). The runtime that owns maps supplies one; plain 64-bit immediates and function addresses never reach it.
 */
@FunctionalInterface
public interface PseudoResolver {
    /** The value to load, or throw {@link LoadException} naming what cannot be resolved. */
    long resolve(int slot, LoadImm64 insn);

    PseudoResolver NONE = (slot, insn) -> {
        throw new LoadException("instruction " + slot + ": lddw with pseudo source " + insn.pseudo()
                + " refers to a map or BTF object, but the program was loaded without maps");
    };
}
