package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapException;
import dev.bypass.vm.maps.ProgramArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The maps and programs of one loaded object. Closing it detaches its programs and frees its maps. */
public final class LoadedObject implements AutoCloseable {
    private final ProgramRuntime runtime;
    private final String name;
    private final ElfObject elf;
    private final List<BpfMap> maps;
    private final Map<String, LoadedProgram> programs = new LinkedHashMap<>();
    final List<Hook.Attachment> attachments = Collections.synchronizedList(new ArrayList<>());

    LoadedObject(ProgramRuntime runtime, String name, ElfObject elf, List<BpfMap> maps) {
        this.runtime = runtime;
        this.name = name;
        this.elf = elf;
        this.maps = List.copyOf(maps);
    }

    void add(LoadedProgram p) { programs.put(p.name(), p); }

    public String name() { return name; }

    public ProgramRuntime runtime() { return runtime; }

    public ElfObject elf() { return elf; }

    public List<BpfMap> maps() { return maps; }

    public List<LoadedProgram> programs() { return List.copyOf(programs.values()); }

    /** The program with this function name; an error naming the available ones if absent. */
    public LoadedProgram program(String name) {
        LoadedProgram p = programs.get(name);
        if (p == null) throw new dev.bypass.vm.LoadException("object " + this.name + " has no program " + name + " (programs: " + String.join(", ", programs.keySet()) + ")");
        return p;
    }

    public BpfMap map(String name) {
        for (BpfMap m : maps) if (m.name().equals(name)) return m;
        throw new MapException("object " + this.name + " has no map " + name);
    }

    /**
     * Puts {@code program} into slot {@code index} of the program array {@code arrayName} for tail calls (null
     * empties the slot). As in Linux, every program of one array has the same type: a tail call keeps the
     * caller's context, so the target must have been verified against the same layout.
     */
    public synchronized void setTailCall(String arrayName, int index, LoadedProgram program) {
        if (!(map(arrayName) instanceof ProgramArray pa)) throw new MapException("map " + arrayName + " is not a program array");
        if (program != null) {
            ProgramType owner = arrayTypes.putIfAbsent(arrayName, program.type());
            if (owner != null && !owner.equals(program.type()))
                throw new MapException("program array " + arrayName + " holds " + owner.name() + " programs; " + program + " is of type " + program.type().name());
        }
        pa.set(index, program == null ? null : program.engine());
    }

    private final Map<String, ProgramType> arrayTypes = new java.util.HashMap<>();

    private boolean closed;

    @Override public synchronized void close() {
        for (Hook.Attachment a : List.copyOf(attachments)) a.close();
        if (!closed) {
            closed = true;
            for (BpfMap m : maps) runtime.release(m); // shared maps stay open for the other objects holding them
        }
        runtime.forget(this);
    }
}
