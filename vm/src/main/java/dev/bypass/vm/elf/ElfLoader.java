package dev.bypass.vm.elf;

import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.helpers.Kfuncs;
import dev.bypass.vm.isa.BytecodeException;
import dev.bypass.vm.isa.Decoder;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.isa.RawInstruction;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * Reads clang-built BPF objects ({@code clang -O2 -g -target bpf}): programs by section, BTF-defined and legacy
 * maps, global data sections as array maps, map and bpf-to-bpf call relocations, the license, BTF, and
 * {@code .BTF.ext} line info. Each program becomes one self-contained {@link Program}: its function followed by
 * every {@code .text} function it calls (directly or through a function pointer), with calls re-targeted, as
 * libbpf does before loading.
 *
 * <p>Which functions are programs: every function symbol in an executable section other than {@code .text}; when an
 * object has no such section, the global functions of {@code .text} (as plain compiled C without {@code SEC}).
 *
 * <p>Every failure is an {@link ElfException} naming the section and offset; all sizes, offsets and counts are
 * checked against the file before anything is allocated from them.
 */
public final class ElfLoader {
    private ElfLoader() {}

    static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, SHT_REL = 9;
    static final long SHF_ALLOC = 2, SHF_EXECINSTR = 4;
    static final int STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3;
    static final int R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3, R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10;
    static final int EM_BPF = 247;
    /** Objects larger than this are refused outright. */
    public static final int MAX_FILE_SIZE = 64 << 20;
    private static final int MAX_PROGRAM_SLOTS = 1 << 20;
    /** Instructions all programs of one object may need after linking (subprograms are copied into each caller). */
    private static final long MAX_LINKED_SLOTS = 1 << 24;

    record Section(int index, String name, int type, long flags, long offset, long size, int link, int info, long entsize) {}

    record Symbol(int index, String name, int type, int bind, int shndx, long value, long size) {}

    record Function(Section section, String name, int start, int end, boolean global) {}

    record Reloc(long offset, Symbol symbol, int type) {}

    public static ElfObject load(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_SIZE) throw new ElfException(null, 0, file + " is " + size + " bytes, larger than " + MAX_FILE_SIZE);
        return load(Files.readAllBytes(file));
    }

    public static ElfObject load(byte[] file) {
        ElfObject o = loadEachProgram(file);
        if (!o.failures().isEmpty()) throw o.failures().get(0).error();
        return o;
    }

    /**
     * Loads an object, keeping programs that cannot be built (a call to a kernel function, an instruction this ISA
     * does not define) as {@link ElfObject#failures()} instead of failing the whole object: for tools that report on
     * every program (the verifier's command line). Errors in the object itself (sections, maps, BTF) still fail it.
     */
    public static ElfObject loadEachProgram(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_SIZE) throw new ElfException(null, 0, file + " is " + size + " bytes, larger than " + MAX_FILE_SIZE);
        return loadEachProgram(Files.readAllBytes(file));
    }

    public static ElfObject loadEachProgram(byte[] file) {
        try {
            return new Parse(file).run();
        } catch (BytecodeException e) {
            throw new ElfException(null, 0, e.getMessage());
        }
    }

    private static final class Parse {
        final byte[] file;
        final Bytes all;
        final List<Section> sections = new ArrayList<>();
        final List<Symbol> symbols = new ArrayList<>();
        final Map<Integer, List<Reloc>> relocsBySection = new HashMap<>();
        final List<MapDefinition> maps = new ArrayList<>();
        /** Map index by (section index) for global data, by symbol name for .maps, by symbol offset for legacy maps. */
        final Map<Integer, Integer> dataMapBySection = new HashMap<>();
        final Map<String, Integer> btfMapByName = new HashMap<>();
        /** Program arrays with a {@code values} member: byte offset of the member in the map's definition. */
        final Map<String, Long> progArrayValues = new HashMap<>();
        final Map<Long, Integer> legacyMapByOffset = new HashMap<>();
        final Map<Integer, long[]> code = new HashMap<>();
        final Map<Integer, List<Function>> functions = new HashMap<>();
        final Map<String, Map<Integer, LineInfo>> lineInfo = new HashMap<>();
        /** Symbols by section index, so per-section lookups stay linear in the file size. */
        final Map<Integer, List<Symbol>> symbolsBySection = new HashMap<>();
        /** Relocations by target section and offset. */
        final Map<Integer, Map<Long, Reloc>> relocAt = new HashMap<>();
        /** Instruction slots linked so far over all programs: bounds the work a crafted object can demand. */
        long linkedSlots;
        Btf btf = Btf.EMPTY;
        Section mapsSection, legacyMapsSection;

        Parse(byte[] file) {
            if (file.length > MAX_FILE_SIZE) throw new ElfException(null, 0, "file is larger than " + MAX_FILE_SIZE + " bytes");
            this.file = file;
            this.all = new Bytes(file, 0, file.length, null);
        }

        ElfObject run() {
            header();
            symbols();
            for (Section s : sections) if (s.name().equals(".BTF")) btf = Btf.parse(bytes(s));
            for (Section s : sections) if (s.name().equals(".BTF.ext")) btfExt(bytes(s));
            String license = license();
            collectMaps();
            collectCode();
            relocations();
            List<ElfObject.ProgramFailure> failures = new ArrayList<>();
            List<ElfProgram> programs = programs(failures);
            List<ElfObject.TailCallSlot> slots = tailCallSlots(programs);
            return new ElfObject(license, maps, programs, btf, slots, failures);
        }

        Bytes bytes(Section s) {
            if (s.type() == SHT_NOBITS) return new Bytes(new byte[0], 0, 0, s.name());
            if (s.offset() < 0 || s.size() < 0 || s.offset() > file.length || s.size() > file.length - s.offset())
                throw new ElfException(s.name(), s.offset(), "section data (" + s.size() + " bytes at 0x" + Long.toHexString(s.offset())
                        + ") extends past the end of the " + file.length + "-byte file");
            return new Bytes(file, s.offset(), s.size(), s.name());
        }

        void header() {
            if (file.length < 4 || all.u32(0) != 0x464c457fL) throw new ElfException(null, 0, "not an ELF file (bad magic)");
            if (file.length < 64) throw new ElfException(null, 0, "file is " + file.length + " bytes, too short for an ELF header");
            if (all.u8(4) != 2) throw new ElfException(null, 4, "not a 64-bit ELF object (class " + all.u8(4) + ")");
            if (all.u8(5) != 1) throw new ElfException(null, 5, "not a little-endian ELF object");
            int machine = all.u16(18);
            if (machine != EM_BPF) throw new ElfException(null, 18, "machine " + machine + " is not BPF (" + EM_BPF + ")");
            long shoff = all.u64(0x28);
            int shentsize = all.u16(0x3a), shnum = all.u16(0x3c), shstrndx = all.u16(0x3e);
            if (shnum == 0) throw new ElfException(null, 0x3c, "no section headers");
            if (shentsize != 64) throw new ElfException(null, 0x3a, "section header size " + shentsize + " (expected 64)");
            if (shoff < 0 || shoff > file.length || (long) shnum * 64 > file.length - shoff)
                throw new ElfException(null, 0x28, "section headers (" + shnum + " at 0x" + Long.toHexString(shoff) + ") extend past the end of the file");
            if (shstrndx >= shnum) throw new ElfException(null, 0x3e, "section name table index " + shstrndx + " is out of range");
            long nameTableOff = shoff + (long) shstrndx * 64;
            Section names = new Section(shstrndx, ".shstrtab", (int) all.u32(nameTableOff + 4), 0, all.u64(nameTableOff + 24),
                    all.u64(nameTableOff + 32), 0, 0, 0);
            Bytes nameBytes = bytes(names);
            for (int i = 0; i < shnum; i++) {
                long h = shoff + (long) i * 64;
                long nameOff = all.u32(h);
                String name = i == 0 ? "" : nameOff < nameBytes.length ? nameBytes.cstring(nameOff) : null;
                if (name == null) throw new ElfException(null, h, "section " + i + " has name offset " + nameOff + " outside the name table");
                Section s = new Section(i, name, (int) all.u32(h + 4), all.u64(h + 8), all.u64(h + 24), all.u64(h + 32),
                        (int) all.u32(h + 40), (int) all.u32(h + 44), all.u64(h + 56));
                if (s.type() != SHT_NOBITS && s.type() != 0) bytes(s); // validates the extent
                sections.add(s);
            }
        }

        Section section(long index, String where, long at) {
            if (index <= 0 || index >= sections.size()) throw new ElfException(where, at, "section index " + index + " is out of range");
            return sections.get((int) index);
        }

        void symbols() {
            Section symtab = null;
            for (Section s : sections) if (s.type() == SHT_SYMTAB) {
                if (symtab != null) throw new ElfException(s.name(), 0, "more than one symbol table");
                symtab = s;
            }
            if (symtab == null) throw new ElfException(null, 0, "no symbol table (.symtab)");
            Bytes data = bytes(symtab);
            Bytes strs = bytes(section(symtab.link(), symtab.name(), 0));
            if (data.length % 24 != 0) throw new ElfException(symtab.name(), 0, "size " + data.length + " is not a multiple of 24");
            for (int i = 0; i < data.length / 24; i++) {
                long p = (long) i * 24;
                long nameOff = data.u32(p);
                String name = nameOff == 0 ? "" : nameOff < strs.length ? strs.cstring(nameOff) : null;
                if (name == null) throw new ElfException(symtab.name(), p, "symbol " + i + " has name offset " + nameOff + " outside the string table");
                int info = data.u8(p + 4);
                Symbol sym = new Symbol(i, name, info & 0xf, info >> 4, data.u16(p + 6), data.u64(p + 8), data.u64(p + 16));
                symbols.add(sym);
                symbolsBySection.computeIfAbsent(sym.shndx(), k -> new ArrayList<>()).add(sym);
            }
        }

        String license() {
            for (Section s : sections) if (s.name().equals("license")) {
                Bytes b = bytes(s);
                int n = 0;
                while (n < b.length && b.u8(n) != 0) n++;
                return new String(b.copy(0, n), java.nio.charset.StandardCharsets.UTF_8);
            }
            return "";
        }

        // ---- maps ----

        void collectMaps() {
            for (Section s : sections) {
                if (s.name().equals(".maps")) mapsSection = s;
                if (s.name().equals("maps")) legacyMapsSection = s;
            }
            if (mapsSection != null) btfMaps();
            if (legacyMapsSection != null) legacyMaps();
            for (Section s : sections) {
                String n = s.name();
                if ((s.flags() & SHF_ALLOC) == 0 || (s.flags() & SHF_EXECINSTR) != 0) continue;
                MapDefinition.Kind kind = n.startsWith(".rodata") ? MapDefinition.Kind.RODATA
                        : n.startsWith(".data") ? MapDefinition.Kind.DATA : n.startsWith(".bss") ? MapDefinition.Kind.BSS : null;
                if (kind == null) continue;
                if (s.size() > Integer.MAX_VALUE - 8) throw new ElfException(n, 0, "global data section of " + s.size() + " bytes is too large");
                if (s.size() == 0) continue;
                byte[] init = kind == MapDefinition.Kind.BSS || s.type() == SHT_NOBITS ? null : bytes(s).copy(0, (int) s.size());
                int datasec = btf.find(n, Btf.DATASEC);
                List<MapDefinition.GlobalVariable> vars = new ArrayList<>();
                Map<String, List<Symbol>> dataSymbols = new HashMap<>();
                for (Symbol sym : symbolsBySection.getOrDefault(s.index(), List.of()))
                    dataSymbols.computeIfAbsent(sym.name(), k -> new ArrayList<>()).add(sym);
                if (datasec > 0) {
                    for (Btf.Member m : btf.type(datasec).members()) {
                        Btf.Type v = btf.type(m.type(), n);
                        if (v.kind() != Btf.VAR) continue;
                        for (Symbol sym : dataSymbols.getOrDefault(v.name(), List.of())) {
                            long size = btf.sizeOf(v.sizeOrType(), n);
                            if (sym.value() < 0 || size < 0 || sym.value() > s.size() - size)
                                throw new ElfException(n, Math.max(0, sym.value()), "variable " + v.name() + " lies outside the section");
                            vars.add(new MapDefinition.GlobalVariable(v.name(), (int) Math.min(v.sizeOrType(), Integer.MAX_VALUE), sym.value(), size));
                        }
                    }
                }
                dataMapBySection.put(s.index(), maps.size());
                int flags = kind == MapDefinition.Kind.RODATA ? MapSpec.F_RDONLY_PROG : 0;
                maps.add(new MapDefinition(new MapSpec(n, MapType.ARRAY, 4, (int) s.size(), 1, flags), kind, 0, Math.max(datasec, 0), init, vars));
            }
        }

        void btfMaps() {
            String where = ".maps";
            int datasec = btf.find(".maps", Btf.DATASEC);
            if (datasec < 0) throw new ElfException(where, 0, "section .maps has no BTF description (compile with -g)");
            for (Btf.Member var : btf.type(datasec).members()) {
                Btf.Type v = btf.type(var.type(), where);
                if (v.kind() != Btf.VAR) throw new ElfException(where, var.offset(), "BTF .maps entry " + var.type() + " is not a variable");
                String name = v.name();
                Btf.Type def = btf.resolve(v.sizeOrType(), where);
                if (def.kind() != Btf.STRUCT) throw new ElfException(where, var.offset(), "map " + name + " is not declared as a struct");
                MapFields d = mapFields(def, name, where, var.offset());
                if (d.valuesOffset >= 0 && d.type == MapType.PROG_ARRAY.linuxId) {
                    if (d.keySize < 0) d.keySize = 4;
                    if (d.valueSize < 0) d.valueSize = 4;
                    progArrayValues.put(name, d.valuesOffset);
                }
                maps_add(name, d.type, d.keySize, d.valueSize, d.maxEntries, d.flags, d.keyType, d.valueType, d.inner, MapDefinition.Kind.BTF, where, var.offset());
                btfMapByName.put(name, maps.size() - 1);
            }
        }

        /** The fields of a BTF map declaration ({@code __uint}, {@code __type}, {@code __array(values, ...)}). */
        static final class MapFields {
            int type = -1, keySize = -1, valueSize = -1, maxEntries = -1, flags = 0, keyType = 0, valueType = 0;
            long valuesOffset = -1;
            MapSpec inner;
        }

        MapFields mapFields(Btf.Type def, String name, String where, long at) {
            MapFields d = new MapFields();
            Btf.Member values = null;
            for (Btf.Member m : def.members()) {
                switch (m.name()) {
                    case "type" -> d.type = uintField(m, name);
                    case "max_entries" -> d.maxEntries = uintField(m, name);
                    case "map_flags" -> d.flags = uintField(m, name);
                    case "key_size" -> d.keySize = uintField(m, name);
                    case "value_size" -> d.valueSize = uintField(m, name);
                    case "key" -> { d.keyType = pointee(m, name); d.keySize = size(d.keyType, name); }
                    case "value" -> { d.valueType = pointee(m, name); d.valueSize = size(d.valueType, name); }
                    case "pinning", "numa_node", "map_extra" -> {}
                    case "values" -> { values = m; d.valuesOffset = m.offset() / 8; }
                    default -> throw new ElfException(where, at, "map " + name + ": field '" + m.name() + "' is not supported");
                }
            }
            MapType t = MapType.ofLinuxId(d.type);
            if (values != null && t != null && t.ofMaps()) {
                // __array(values, struct inner_def): an array of pointers to the declaration every inner map matches
                Btf.Type arr = btf.resolve(values.type(), where);
                Btf.Type ptr = arr.kind() == Btf.ARRAY ? btf.resolve(arr.elementType(), where) : null;
                Btf.Type innerDef = ptr != null && ptr.kind() == Btf.PTR ? btf.resolve(ptr.sizeOrType(), where) : null;
                if (innerDef == null || innerDef.kind() != Btf.STRUCT) throw new ElfException(where, at, "map " + name + ": values is not declared with __array");
                MapFields in = mapFields(innerDef, name + ".inner", where, at);
                if (in.valuesOffset >= 0) throw new ElfException(where, at, "map " + name + ": inner maps with initial values are not supported");
                MapType it = MapType.ofLinuxId(in.type);
                if (it == null) throw new ElfException(where, at, "map " + name + ": inner map type " + in.type + " is not a Linux map type");
                d.inner = new MapSpec(name + ".inner", it, Math.max(0, in.keySize), Math.max(0, in.valueSize), Math.max(1, in.maxEntries), in.flags, in.inner);
                if (d.keySize < 0) d.keySize = 4;
                if (d.valueSize < 0) d.valueSize = 4;
            } else if (values != null && d.type != MapType.PROG_ARRAY.linuxId) {
                throw new ElfException(where, at, "map " + name + ": initial values are only supported for program arrays and maps of maps");
            }
            return d;
        }

        void maps_add(String name, int type, int keySize, int valueSize, int maxEntries, int flags, int keyType, int valueType,
                      MapDefinition.Kind kind, String where, long at) {
            maps_add(name, type, keySize, valueSize, maxEntries, flags, keyType, valueType, null, kind, where, at);
        }

        void maps_add(String name, int type, int keySize, int valueSize, int maxEntries, int flags, int keyType, int valueType,
                      MapSpec inner, MapDefinition.Kind kind, String where, long at) {
            if (type < 0) throw new ElfException(where, at, "map " + name + " has no type");
            MapType t = MapType.ofLinuxId(type);
            if (t == null) throw new ElfException(where, at, "map " + name + ": map type " + type + " is not supported");
            if (t == MapType.RINGBUF || t == MapType.USER_RINGBUF || t == MapType.QUEUE || t == MapType.STACK || t == MapType.ARENA
                    || t == MapType.SK_STORAGE || t == MapType.INODE_STORAGE || t == MapType.TASK_STORAGE || t == MapType.CGRP_STORAGE
                    || t == MapType.BLOOM_FILTER || t == MapType.STRUCT_OPS) {
                if (keySize < 0) keySize = 0;
                if (valueSize < 0) valueSize = 0;
            }
            if (t == MapType.PERF_EVENT_ARRAY) {
                // libbpf's defaults: 4-byte keys and values, one entry per CPU
                if (keySize < 0) keySize = 4;
                if (valueSize < 0) valueSize = 4;
                if (maxEntries <= 0) maxEntries = dev.bypass.vm.exec.Cpus.count();
            }
            if (keySize < 0 || valueSize < 0) throw new ElfException(where, at, "map " + name + " has no key or value size");
            // local storages declare no entries (Linux requires 0): one stands for "per owner"
            if (maxEntries <= 0 && (t == MapType.CGROUP_STORAGE || t == MapType.PERCPU_CGROUP_STORAGE || t == MapType.SK_STORAGE
                    || t == MapType.INODE_STORAGE || t == MapType.TASK_STORAGE || t == MapType.CGRP_STORAGE)) maxEntries = 1;
            if (maxEntries <= 0) throw new ElfException(where, at, "map " + name + " has no max_entries");
            if (t.ofMaps() && inner == null) throw new ElfException(where, at, "map " + name + ": a map of maps needs its inner map declared with __array(values, ...)");
            maps.add(new MapDefinition(new MapSpec(name, t, keySize, valueSize, maxEntries, flags, inner), kind, keyType, valueType, null, List.of()));
        }

        int uintField(Btf.Member m, String map) {
            Btf.Type p = btf.resolve(m.type(), ".maps");
            if (p.kind() != Btf.PTR) throw new ElfException(".maps", m.offset() / 8, "map " + map + ": field " + m.name() + " is not declared with __uint");
            Btf.Type a = btf.resolve(p.sizeOrType(), ".maps");
            if (a.kind() != Btf.ARRAY) throw new ElfException(".maps", m.offset() / 8, "map " + map + ": field " + m.name() + " is not declared with __uint");
            if (a.length() > Integer.MAX_VALUE) throw new ElfException(".maps", m.offset() / 8, "map " + map + ": " + m.name() + " " + a.length() + " is too large");
            return (int) a.length();
        }

        int pointee(Btf.Member m, String map) {
            Btf.Type p = btf.resolve(m.type(), ".maps");
            if (p.kind() != Btf.PTR) throw new ElfException(".maps", m.offset() / 8, "map " + map + ": field " + m.name() + " is not declared with __type");
            return (int) Math.min(p.sizeOrType(), Integer.MAX_VALUE);
        }

        int size(int typeId, String map) {
            long s = btf.sizeOf(typeId, ".maps");
            if (s <= 0 || s > Integer.MAX_VALUE) throw new ElfException(".maps", 0, "map " + map + ": type size " + s + " is invalid");
            return (int) s;
        }

        void legacyMaps() {
            Section s = legacyMapsSection;
            Bytes b = bytes(s);
            List<Symbol> syms = new ArrayList<>();
            for (Symbol sym : symbolsBySection.getOrDefault(s.index(), List.of())) if (sym.type() != STT_SECTION && !sym.name().isEmpty()) syms.add(sym);
            if (syms.isEmpty()) return;
            syms.sort(Comparator.comparingLong(Symbol::value));
            long defSize = b.length / syms.size();
            if (defSize < 16 || b.length % syms.size() != 0)
                throw new ElfException(s.name(), 0, "legacy map definitions: " + b.length + " bytes for " + syms.size() + " maps");
            for (Symbol sym : syms) {
                long at = sym.value();
                if (at % defSize != 0 || at + defSize > b.length) throw new ElfException(s.name(), at, "map " + sym.name() + " is not at a definition boundary");
                int type = b.u32int(at, "type"), key = b.u32int(at + 4, "key_size"), value = b.u32int(at + 8, "value_size");
                int max = b.u32int(at + 12, "max_entries");
                int flags = defSize >= 20 ? b.u32int(at + 16, "map_flags") : 0;
                legacyMapByOffset.put(at, maps.size());
                maps_add(sym.name(), type, key, value, max, flags, 0, 0, MapDefinition.Kind.LEGACY, s.name(), at);
            }
        }

        // ---- code ----

        void collectCode() {
            for (Section s : sections) {
                if (s.type() != SHT_PROGBITS || (s.flags() & SHF_EXECINSTR) == 0 || s.size() == 0) continue;
                if (s.size() % 8 != 0) throw new ElfException(s.name(), 0, "code size " + s.size() + " is not a multiple of 8");
                if (s.size() / 8 > MAX_PROGRAM_SLOTS) throw new ElfException(s.name(), 0, "more than " + MAX_PROGRAM_SLOTS + " instructions");
                Bytes b = bytes(s);
                long[] words = new long[b.length / 8];
                for (int i = 0; i < words.length; i++) words[i] = b.u64(i * 8L);
                code.put(s.index(), words);
                List<Function> fs = new ArrayList<>();
                List<Symbol> syms = new ArrayList<>();
                for (Symbol sym : symbolsBySection.getOrDefault(s.index(), List.of())) if (sym.type() == STT_FUNC) syms.add(sym);
                syms.sort(Comparator.comparingLong(Symbol::value));
                for (int i = 0; i < syms.size(); i++) {
                    Symbol sym = syms.get(i);
                    if (sym.value() < 0 || sym.value() % 8 != 0 || sym.value() >= s.size() || sym.size() < 0 || sym.size() > s.size())
                        throw new ElfException(s.name(), sym.value(), "function " + sym.name() + " does not start at an instruction inside the section");
                    long end = sym.size() > 0 ? sym.value() + sym.size() : i + 1 < syms.size() ? syms.get(i + 1).value() : s.size();
                    if (end > s.size() || end % 8 != 0 || end <= sym.value())
                        throw new ElfException(s.name(), sym.value(), "function " + sym.name() + " has a bad size " + sym.size());
                    fs.add(new Function(s, sym.name(), (int) (sym.value() / 8), (int) (end / 8), sym.bind() == 1));
                }
                functions.put(s.index(), fs);
            }
        }

        void relocations() {
            for (Section r : sections) {
                if (r.type() != SHT_REL) continue;
                if (r.info() <= 0 || r.info() >= sections.size()) throw new ElfException(r.name(), 0, "relocation target section " + r.info() + " is out of range");
                Section target = sections.get(r.info());
                if (!code.containsKey(target.index())) continue; // debug info relocations are not needed to run
                Bytes b = bytes(r);
                if (b.length % 16 != 0) throw new ElfException(r.name(), 0, "size " + b.length + " is not a multiple of 16");
                List<Reloc> list = new ArrayList<>();
                for (long p = 0; p < b.length; p += 16) {
                    long off = b.u64(p);
                    long info = b.u64(p + 8);
                    long symIdx = info >>> 32;
                    int type = (int) info;
                    if (symIdx >= symbols.size()) throw new ElfException(r.name(), p, "relocation symbol " + symIdx + " is out of range");
                    if (off < 0 || off % 8 != 0 || off >= target.size()) throw new ElfException(r.name(), p, "relocation offset 0x" + Long.toHexString(off) + " is not an instruction of " + target.name());
                    if (type != R_BPF_64_64 && type != R_BPF_64_32 && type != R_BPF_NONE)
                        throw new ElfException(r.name(), p, "relocation type " + type + " is not supported in code");
                    if (type != R_BPF_NONE) list.add(new Reloc(off, symbols.get((int) symIdx), type));
                }
                relocsBySection.put(target.index(), list);
            }
        }

        void btfExt(Bytes ext) {
            String w = ".BTF.ext";
            if (ext.u16(0) != 0xeb9f) throw new ElfException(w, 0, "bad magic");
            if (ext.u8(2) != 1) throw new ElfException(w, 2, "unsupported version " + ext.u8(2));
            int hdrLen = ext.u32int(4, "header length");
            if (hdrLen < 24) throw new ElfException(w, 4, "header length " + hdrLen + " is too small");
            int lineOff = ext.u32int(16, "line_info offset"), lineLen = ext.u32int(20, "line_info length");
            if (hdrLen >= 32) {
                int coreOff = ext.u32int(24, "core_relo offset"), coreLen = ext.u32int(28, "core_relo length");
                // Only the record-size word means no CO-RE relocations; anything more is a relocation we cannot apply.
                if (coreLen > 4) throw new ElfException(w, (long) hdrLen + coreOff, "CO-RE relocations are not supported");
            }
            if (lineLen == 0) return;
            Bytes li = ext.slice((long) hdrLen + lineOff, lineLen, ".BTF.ext line_info");
            int recSize = li.u32int(0, "record size");
            if (recSize < 16) throw new ElfException(w, (long) hdrLen + lineOff, "line info record size " + recSize + " is too small");
            long p = 4;
            while (p < li.length) {
                String sec = btf.string(li.u32(p), w, hdrLen + lineOff + p);
                long n = li.u32(p + 4);
                p += 8;
                if (n * recSize > li.length - p) throw new ElfException(w, hdrLen + lineOff + p, n + " line records of section " + sec + " extend past the end");
                Map<Integer, LineInfo> bySlot = lineInfo.computeIfAbsent(sec, k -> new HashMap<>());
                for (long i = 0; i < n; i++, p += recSize) {
                    long insnOff = li.u32(p);
                    String fileName = btf.string(li.u32(p + 4), w, hdrLen + lineOff + p);
                    String src = btf.string(li.u32(p + 8), w, hdrLen + lineOff + p);
                    long lc = li.u32(p + 12);
                    bySlot.put((int) (insnOff / 8), new LineInfo(fileName, (int) (lc >>> 10), (int) (lc & 0x3ff), src));
                }
            }
        }

        // ---- programs ----

        List<ElfProgram> programs(List<ElfObject.ProgramFailure> failures) {
            List<Function> entries = new ArrayList<>();
            for (Section s : sections) {
                if (!code.containsKey(s.index()) || s.name().equals(".text")) continue;
                List<Function> fs = functions.get(s.index());
                if (fs.isEmpty()) throw new ElfException(s.name(), 0, "code section has no function symbols");
                entries.addAll(fs);
            }
            if (entries.isEmpty()) {
                for (Section s : sections) if (s.name().equals(".text") && code.containsKey(s.index()))
                    for (Function f : functions.get(s.index())) if (f.global()) entries.add(f);
            }
            List<ElfProgram> out = new ArrayList<>();
            for (Function f : entries) {
                try {
                    out.add(link(f));
                } catch (ElfException e) {
                    failures.add(new ElfObject.ProgramFailure(f.name(), f.section().name(), e));
                }
            }
            return out;
        }

        Function functionAt(Section s, long slot, String where, long at) {
            List<Function> fs = functions.get(s.index());
            if (fs != null) {
                // functions are sorted by start: the last one starting at or before the slot is the candidate
                int lo = 0, hi = fs.size() - 1, found = -1;
                while (lo <= hi) {
                    int mid = (lo + hi) >>> 1;
                    if (fs.get(mid).start() <= slot) { found = mid; lo = mid + 1; } else hi = mid - 1;
                }
                for (int i = found; i >= 0 && i >= found - 1; i--) { // a zero-size neighbour may share the start
                    Function f = fs.get(i);
                    if (slot >= f.start() && slot < f.end()) return f;
                }
            }
            throw new ElfException(where, at, "call or function pointer target " + slot + " in " + s.name() + " is not inside a function");
        }

        ElfProgram link(Function entry) {
            List<Long> out = new ArrayList<>();
            List<LineInfo> lines = new ArrayList<>();
            Map<Function, Integer> placed = new LinkedHashMap<>();
            Deque<Function> todo = new ArrayDeque<>();
            record Fixup(int at, Function target, int targetSlot, boolean pointer) {}
            List<Fixup> fixups = new ArrayList<>();
            todo.add(entry);
            placed.put(entry, 0);
            while (!todo.isEmpty()) {
                Function f = todo.poll();
                int base = out.size();
                placed.put(f, base);
                if (base + (f.end() - f.start()) > MAX_PROGRAM_SLOTS) throw new ElfException(f.section().name(), 0, "program " + entry.name() + " is too large");
                long[] words = code.get(f.section().index());
                Map<Integer, LineInfo> secLines = lineInfo.getOrDefault(f.section().name(), Map.of());
                Map<Long, Reloc> relocs = relocAt.computeIfAbsent(f.section().index(), k -> {
                    Map<Long, Reloc> m = new HashMap<>();
                    for (Reloc r : relocsBySection.getOrDefault(k, List.of())) m.put(r.offset(), r);
                    return m;
                });
                linkedSlots += f.end() - f.start();
                if (linkedSlots > MAX_LINKED_SLOTS)
                    throw new ElfException(f.section().name(), f.start() * 8L, "linking the object's programs needs more than " + MAX_LINKED_SLOTS + " instructions");
                LineInfo current = null;
                for (int i = f.start(); i < f.end(); i++) {
                    long word = words[i];
                    RawInstruction insn = RawInstruction.of(word);
                    String where = f.section().name();
                    long at = i * 8L;
                    Reloc r = relocs.get(at);
                    int pos = out.size();
                    if (secLines.containsKey(i)) current = secLines.get(i);
                    if (insn.opcode() == Opcodes.LDDW) {
                        if (i + 1 >= f.end()) throw new ElfException(where, at, "lddw is cut off by the end of function " + f.name());
                        long next = words[i + 1];
                        if (r != null) {
                            if (r.type() != R_BPF_64_64) throw new ElfException(where, at, "relocation type " + r.type() + " on lddw");
                            long[] pair = relocateLddw(insn, next, r, where, at, pos, fixups.size());
                            if (pair.length == 3) {
                                Section ts = section(r.symbol().shndx(), where, at);
                                long targetByte = r.symbol().value() + insn.imm();
                                if (targetByte % 8 != 0) throw new ElfException(where, at, "function pointer to an unaligned offset");
                                Function tf = functionAt(ts, targetByte / 8, where, at);
                                fixups.add(new Fixup(pos, tf, (int) (targetByte / 8), true));
                                if (!placed.containsKey(tf)) { placed.put(tf, -1); todo.add(tf); }
                            }
                            word = pair[0];
                            next = pair[1];
                        }
                        out.add(word);
                        out.add(next);
                        lines.add(current);
                        lines.add(current);
                        i++;
                        continue;
                    }
                    if (insn.opcode() == (Opcodes.CLS_JMP | Opcodes.JMP_CALL)) {
                        if (r != null) {
                            if (r.type() != R_BPF_64_32) throw new ElfException(where, at, "relocation type " + r.type() + " on call");
                            if (r.symbol().shndx() == 0) {
                                // an extern function (__ksym): a kernel function, which this runtime provides by name
                                HelperSpec kfunc = Kfuncs.named(r.symbol().name());
                                if (kfunc == null) throw new ElfException(where, at, "call to kernel function " + r.symbol().name()
                                        + ", which this runtime does not provide (it provides " + String.join(", ", Kfuncs.names()) + ")");
                                out.add(new RawInstruction(insn.opcode(), 0, Opcodes.CALL_KFUNC, (short) 0, kfunc.id()).word());
                                lines.add(current);
                                continue;
                            }
                            if (insn.src() != Opcodes.CALL_LOCAL)
                                throw new ElfException(where, at, "call to extern or kernel function " + r.symbol().name() + " is not supported");
                            Section ts = section(r.symbol().shndx(), where, at);
                            if (!code.containsKey(ts.index())) throw new ElfException(where, at, "call target " + r.symbol().name() + " is not code");
                            if (r.symbol().value() % 8 != 0) throw new ElfException(where, at, "call target is not aligned");
                            long slot = r.symbol().value() / 8 + insn.imm() + 1;
                            Function tf = functionAt(ts, slot, where, at);
                            fixups.add(new Fixup(pos, tf, (int) slot, false));
                            if (!placed.containsKey(tf)) { placed.put(tf, -1); todo.add(tf); }
                        } else if (insn.src() == Opcodes.CALL_LOCAL) {
                            long slot = (long) i + insn.imm() + 1;
                            Function tf = functionAt(f.section(), slot, where, at);
                            fixups.add(new Fixup(pos, tf, (int) slot, false));
                            if (!placed.containsKey(tf)) { placed.put(tf, -1); todo.add(tf); }
                        }
                    } else if (r != null) {
                        throw new ElfException(where, at, "relocation on an instruction (opcode 0x" + Integer.toHexString(insn.opcode()) + ") that takes none");
                    }
                    out.add(word);
                    lines.add(current);
                }
            }
            long[] words = new long[out.size()];
            for (int i = 0; i < words.length; i++) words[i] = out.get(i);
            for (Fixup fx : fixups) {
                Integer base = placed.get(fx.target());
                int target = base + (fx.targetSlot() - fx.target().start());
                RawInstruction insn = RawInstruction.of(words[fx.at()]);
                int imm = target - (fx.at() + 1);
                words[fx.at()] = new RawInstruction(insn.opcode(), insn.dst(), fx.pointer() ? Opcodes.PSEUDO_FUNC : insn.src(), insn.offset(), imm).word();
            }
            Program program;
            try {
                program = Decoder.decode(words);
            } catch (BytecodeException e) {
                throw new ElfException(entry.section().name(), entry.start() * 8L, "program " + entry.name() + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new ElfException(entry.section().name(), entry.start() * 8L, "program " + entry.name() + ": " + e.getMessage());
            }
            Map<Integer, DeclaredFunction> declared = new HashMap<>();
            placed.forEach((fn, base) -> {
                DeclaredFunction d = DeclaredFunction.of(btf, fn.name());
                if (d != null) declared.put(base, d);
            });
            return new ElfProgram(entry.name(), entry.section().name(), program, lines.toArray(new LineInfo[0]), declared);
        }

        /** Static program array contents: relocations in {@code .rel.maps} pointing at program functions. */
        List<ElfObject.TailCallSlot> tailCallSlots(List<ElfProgram> programs) {
            List<ElfObject.TailCallSlot> out = new ArrayList<>();
            if (mapsSection == null) return out;
            Set<String> programNames = new HashSet<>();
            for (ElfProgram prog : programs) programNames.add(prog.name());
            List<Symbol> mapSymbols = new ArrayList<>(); // at most one per declared map: keeps the scan below linear
            Set<String> seen = new HashSet<>();
            for (Symbol sym : symbolsBySection.getOrDefault(mapsSection.index(), List.of()))
                if (progArrayValues.containsKey(sym.name()) && sym.value() >= 0 && seen.add(sym.name())) mapSymbols.add(sym);
            for (Section r : sections) {
                if (r.type() != SHT_REL || r.info() != mapsSection.index()) continue;
                Bytes b = bytes(r);
                if (b.length % 16 != 0) throw new ElfException(r.name(), 0, "size " + b.length + " is not a multiple of 16");
                for (long p = 0; p < b.length; p += 16) {
                    long off = b.u64(p);
                    long symIdx = b.u64(p + 8) >>> 32;
                    if (symIdx >= symbols.size()) throw new ElfException(r.name(), p, "relocation symbol " + symIdx + " is out of range");
                    Symbol target = symbols.get((int) symIdx);
                    // the map whose definition starts closest before the relocated offset
                    Symbol owner = null;
                    for (Symbol sym : mapSymbols)
                        if (sym.value() <= off && (owner == null || sym.value() > owner.value())) owner = sym;
                    Long valuesAt = owner == null ? null : progArrayValues.get(owner.name());
                    if (valuesAt == null) throw new ElfException(r.name(), p, "relocation at .maps offset " + off + " is not inside a program array's values");
                    long rel = off - owner.value() - valuesAt;
                    int mapIndex = btfMapByName.get(owner.name());
                    if (rel < 0 || rel % 8 != 0 || rel / 8 >= maps.get(mapIndex).spec().maxEntries())
                        throw new ElfException(r.name(), p, "relocation at .maps offset " + off + " is not a slot of program array " + owner.name());
                    if (!programNames.contains(target.name())) throw new ElfException(r.name(), p, "program array " + owner.name() + " slot " + rel / 8 + " names " + target.name() + ", which is not a program");
                    out.add(new ElfObject.TailCallSlot(mapIndex, (int) (rel / 8), target.name()));
                }
            }
            return out;
        }

        /** Rewrites an lddw with a relocation; returns {first, second} words, or a 3-element array for a function pointer. */
        long[] relocateLddw(RawInstruction insn, long next, Reloc r, String where, long at, int pos, int fix) {
            Symbol sym = r.symbol();
            if (sym.shndx() == 0) throw new ElfException(where, at, "reference to undefined (extern) symbol " + sym.name() + " is not supported");
            Section ts = section(sym.shndx(), where, at);
            if (code.containsKey(ts.index())) return new long[] {insn.word(), next, 0};
            Integer index = null;
            int pseudo;
            long offset = 0;
            if (ts == mapsSection) {
                index = btfMapByName.get(sym.name());
                if (index == null) throw new ElfException(where, at, "reference to " + sym.name() + " in .maps, which is not a declared map");
                pseudo = Opcodes.PSEUDO_MAP_IDX;
            } else if (ts == legacyMapsSection) {
                index = legacyMapByOffset.get(sym.value());
                if (index == null) throw new ElfException(where, at, "reference to " + sym.name() + " in maps, which is not a map definition");
                pseudo = Opcodes.PSEUDO_MAP_IDX;
            } else if (dataMapBySection.containsKey(ts.index())) {
                index = dataMapBySection.get(ts.index());
                pseudo = Opcodes.PSEUDO_MAP_IDX_VALUE;
                offset = sym.value() + insn.imm();
                if (offset < 0 || offset >= ts.size()) throw new ElfException(where, at, "offset " + offset + " into " + ts.name() + " is out of range");
            } else {
                throw new ElfException(where, at, "reference to symbol " + sym.name() + " in section " + ts.name() + ", which is neither a map nor global data");
            }
            long first = new RawInstruction(insn.opcode(), insn.dst(), pseudo, insn.offset(), index).word();
            long second = (next & 0xffffffffL) | (offset << 32);
            return new long[] {first, second};
        }
    }
}
