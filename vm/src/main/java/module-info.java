/**
 * The eBPF virtual machine: instruction set, assembler, ELF and BTF loading, the memory model, maps, helpers, the
 * interpreter and the JIT. Exports what a host builds on; the JIT ({@code dev.bypass.vm.jit}) is reached through
 * {@link dev.bypass.vm.engines.Engines} only, and the opcode semantics table is shared with the verifier alone.
 */
module dev.bypass.vm {
    requires org.objectweb.asm;
    requires org.objectweb.asm.tree;

    exports dev.bypass.vm;
    exports dev.bypass.vm.asm;
    exports dev.bypass.vm.ctx;
    exports dev.bypass.vm.elf;
    exports dev.bypass.vm.engines;
    exports dev.bypass.vm.exec;
    exports dev.bypass.vm.facts;
    exports dev.bypass.vm.helpers;
    exports dev.bypass.vm.helpers.standard;
    exports dev.bypass.vm.isa;
    exports dev.bypass.vm.maps;
    exports dev.bypass.vm.memory;
    exports dev.bypass.vm.verification;
    // one place per opcode meaning: the verifier folds constants with the engines' own table
    exports dev.bypass.vm.semantics to dev.bypass.verifier;
}
