package dev.bypass.vm.maps;

import dev.bypass.vm.LoadException;
import dev.bypass.vm.exec.PseudoResolver;
import dev.bypass.vm.memory.RegionTable;
import dev.bypass.vm.isa.Instruction.LoadImm64;
import dev.bypass.vm.isa.Opcodes;
import java.util.List;

/**
 * Resolves {@code lddw} map forms at link time: by index into the program's map list ({@code PSEUDO_MAP_IDX},
 * {@code PSEUDO_MAP_IDX_VALUE}, what the ELF loader emits) or by map id standing in for a file descriptor
 * ({@code PSEUDO_MAP_FD}, {@code PSEUDO_MAP_VALUE}, what hand-written assembly uses). Map forms load the map's
 * handle; value forms load a pointer into element 0 of an array map (global data) at the given offset. The programs
 * linked with one resolver (one loaded object) share one {@link RegionTable}: what they refer to, and nothing else.
 */
public final class MapResolver implements PseudoResolver {
    private final List<BpfMap> maps;
    private final RegionTable table = new RegionTable();

    public MapResolver(List<BpfMap> maps) { this.maps = List.copyOf(maps); }

    public List<BpfMap> maps() { return maps; }

    @Override public RegionTable regionTable() { return table; }

    @Override public long resolve(int slot, LoadImm64 insn) {
        BpfMap map = switch (insn.pseudo()) {
            case Opcodes.PSEUDO_MAP_IDX, Opcodes.PSEUDO_MAP_IDX_VALUE -> {
                if (insn.imm() < 0 || insn.imm() >= maps.size())
                    throw new LoadException("instruction " + slot + ": map index " + insn.imm() + " is out of range (" + maps.size() + " maps)");
                yield maps.get(insn.imm());
            }
            case Opcodes.PSEUDO_MAP_FD, Opcodes.PSEUDO_MAP_VALUE -> {
                BpfMap m = BpfMap.ofId(insn.imm());
                if (m == null) throw new LoadException("instruction " + slot + ": no map with id " + insn.imm());
                yield m;
            }
            default -> throw new LoadException("instruction " + slot + ": lddw pseudo source " + insn.pseudo() + " (BTF objects) is not supported");
        };
        if (insn.pseudo() == Opcodes.PSEUDO_MAP_IDX || insn.pseudo() == Opcodes.PSEUDO_MAP_FD) return map.handle();
        if (!(map instanceof ArrayMap array) || array.perCpu())
            throw new LoadException("instruction " + slot + ": map value address of " + map + ", which is not an array map");
        long offset = insn.nextImm() & 0xffffffffL;
        if (offset >= map.spec().valueSize())
            throw new LoadException("instruction " + slot + ": offset " + offset + " is past the " + map.spec().valueSize() + "-byte value of map " + map.name());
        return array.valuePointer(0) + offset;
    }
}
