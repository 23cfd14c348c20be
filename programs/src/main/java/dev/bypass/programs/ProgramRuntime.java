package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationException;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.elf.ElfLoader;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.elf.LineInfo;
import dev.bypass.vm.elf.MapDefinition;
import dev.bypass.vm.LoadException;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.isa.Decoder;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.helpers.TraceSink;
import dev.bypass.vm.maps.ArrayMap;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapResolver;
import dev.bypass.vm.maps.MapSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pipeline {@code load → verify → compile → attach}. {@link #load} reads an object, creates its maps, and for
 * each program: hands it to the verifier with its type, maps and helpers; links it (helpers bound, map references
 * resolved to handles and value pointers); and creates its engine. Nothing is created for an object whose
 * programs do not all pass. Attach loaded programs to {@link Hook}s.
 *
 * <p>A runtime has exactly one verifier, chosen when it is built; the unverified path must be asked for by name
 * ({@link ProgramVerifier#UNVERIFIED_FOR_TESTS_ONLY}).
 */
public final class ProgramRuntime implements AutoCloseable {
    private final ProgramVerifier verifier;
    private final HelperRegistry helpers;
    private final ProgramTypes types;
    private final EngineKind engineKind;
    private final long budget;
    private final TraceSink trace;
    private final ThreadLocal<ExecutionState> states;
    private final List<LoadedObject> objects = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.ConcurrentHashMap<String, Hook<?>> hooks = new java.util.concurrent.ConcurrentHashMap<>();

    private ProgramRuntime(Builder b) {
        this.verifier = b.verifier;
        this.helpers = b.helpers;
        this.types = b.types;
        this.engineKind = b.engine;
        this.budget = b.budget;
        this.trace = b.trace;
        this.states = ThreadLocal.withInitial(() -> {
            ExecutionState s = new ExecutionState(budget);
            if (trace != null) s.attach(TraceSink.class, trace);
            return s;
        });
    }

    public static Builder builder() { return new Builder(); }

    public ProgramVerifier verifier() { return verifier; }

    public HelperRegistry helpers() { return helpers; }

    public ProgramTypes types() { return types; }

    /**
     * Threads' execution states by thread id modulo {@link #STATE_SLOTS}, in front of the thread-local {@code states}
     * (whose look-up costs a fifth of a small hook's run): a thread finds its own in one array read and a check of the
     * state's creator (each state is made on the thread that uses it). A slot is taken by the first thread to miss on
     * it and handed over only when that thread has ended, so threads whose ids collide never take turns writing it
     * (the later ones use the thread-local). At most {@code STATE_SLOTS} states of ended threads stay reachable from
     * here until their slot is taken over.
     */
    private final ExecutionState[] stateSlots = new ExecutionState[STATE_SLOTS];
    private static final int STATE_SLOTS = 64;

    /** The calling thread's execution state. */
    ExecutionState state() {
        Thread t = Thread.currentThread();
        ExecutionState s = stateSlots[(int) t.threadId() & (STATE_SLOTS - 1)];
        return s != null && s.creator() == t ? s : stateAfterMiss(t, s);
    }

    private ExecutionState stateAfterMiss(Thread t, ExecutionState inSlot) {
        ExecutionState s = states.get();
        if (inSlot == null || !inSlot.creator().isAlive()) stateSlots[(int) t.threadId() & (STATE_SLOTS - 1)] = s;
        return s;
    }

    /** A new execution state with this runtime's budget and trace sink (for nested runs). */
    ExecutionState freshState() {
        ExecutionState s = new ExecutionState(budget);
        if (trace != null) s.attach(TraceSink.class, trace);
        return s;
    }

    public List<LoadedObject> objects() { return List.copyOf(objects); }

    /**
     * Declares a hook point of this runtime: host code fires it, programs attach to it by name
     * ({@link #attach(String, LoadedProgram)}). Names are unique per runtime.
     */
    public <C> Hook<C> declareHook(String name, ProgramType type, Hook.ContextCodec<C> codec) {
        Hook<C> h = new Hook<>(name, type, codec);
        if (hooks.putIfAbsent(name, h) != null) throw new IllegalArgumentException("hook " + name + " is already declared");
        return h;
    }

    /** The declared hooks, by name. */
    public java.util.Map<String, Hook<?>> hooks() { return java.util.Map.copyOf(hooks); }

    /** Attaches a program to a declared hook by name; fails with a message naming the declared hooks. */
    public Hook<?>.Attachment attach(String hookName, LoadedProgram program) {
        Hook<?> h = hooks.get(hookName);
        if (h == null) throw new LoadException("no hook named " + hookName + " (declared: " + String.join(", ", new java.util.TreeSet<>(hooks.keySet())) + ")");
        return h.attach(program);
    }

    void forget(LoadedObject o) { objects.remove(o); }

    /** Objects holding each map: a map shared by objects ({@link #load(String, ElfObject, java.util.function.Function)}) closes with the last. */
    private final java.util.IdentityHashMap<BpfMap, Integer> mapHolders = new java.util.IdentityHashMap<>();

    /** An object let go of a map: closed when no loaded object holds it any more. */
    void release(BpfMap m) {
        boolean last;
        synchronized (mapHolders) {
            Integer n = mapHolders.get(m);
            last = n == null || n <= 1;
            if (last) mapHolders.remove(m);
            else mapHolders.put(m, n - 1);
        }
        if (last) m.close();
    }

    /** Closes every object still loaded: programs detach from their hooks, maps are freed. */
    @Override public void close() {
        for (LoadedObject o : List.copyOf(objects)) o.close();
    }

    public LoadedObject load(Path file) throws IOException {
        return load(file.getFileName().toString(), ElfLoader.load(file));
    }

    public LoadedObject load(String name, byte[] object) { return load(name, ElfLoader.load(object)); }

    public LoadedObject load(String name, ElfObject elf) { return load(name, elf, null); }

    /**
     * Loads an object whose maps may be taken over from objects loaded before, as libbpf's {@code bpf_map__reuse_fd}
     * does with pinned maps: for each map the object declares (except {@code .rodata}, whose contents are the new
     * object's constants), {@code reuse} may return an open map of exactly the same spec (name, type, key and value
     * sizes, max entries, flags), which the new object then shares, contents and all; null (or a map of another
     * spec) creates a fresh one. A map lives until the last object holding it is closed.
     */
    public LoadedObject load(String name, ElfObject elf, java.util.function.Function<MapSpec, BpfMap> reuse) {
        return load(name, elf, reuse, p -> types.forSection(p.section()));
    }

    /**
     * Loads a program given as eBPF code rather than in an object: assembly text (as {@code bypass asm} reads it) or
     * raw little-endian bytecode, told apart by their bytes (an ELF object is loaded as one, its sections typing its
     * programs). The program is of {@code type}, for example {@link ProgramType#BUFFER} (r1 = a buffer, r2 = its
     * length) or {@link ProgramType#buffer(int)} for an input of known length, and goes through the same
     * pipeline as an object's: verified, linked, compiled. Without an object there are no maps, so a map reference
     * is refused at load.
     */
    public LoadedObject loadCode(String name, byte[] code, ProgramType type) {
        if (code.length >= 4 && code[0] == 0x7f && code[1] == 'E' && code[2] == 'L' && code[3] == 'F') return load(name, code);
        boolean text = true;
        for (byte b : code) if (b == 0 || (b >= 0 && b < 0x09)) { text = false; break; }
        Program program = text ? Assembler.assemble(new String(code, java.nio.charset.StandardCharsets.UTF_8)) : Decoder.decode(code);
        return load(name, program, type);
    }

    /** Loads one program as a program of {@code type}: see {@link #loadCode}. Its object is named and holds it alone. */
    public LoadedObject load(String name, Program program, ProgramType type) {
        ElfProgram p = new ElfProgram(name, type.sectionPrefix(), program, new LineInfo[0]);
        return load(name, new ElfObject("", List.of(), List.of(p), null, List.of()), null, x -> type);
    }

    private LoadedObject load(String name, ElfObject elf, java.util.function.Function<MapSpec, BpfMap> reuse,
                              java.util.function.Function<ElfProgram, ProgramType> typeOf) {
        List<BpfMap> maps = new ArrayList<>();
        java.util.Set<BpfMap> created = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        try {
            for (MapDefinition d : elf.maps()) {
                BpfMap kept = reuse == null || d.kind() == MapDefinition.Kind.RODATA ? null : reuse.apply(d.spec());
                if (kept != null && kept.spec().equals(d.spec()) && !kept.isClosed()) {
                    maps.add(kept);
                    continue;
                }
                maps.add(switch (d.kind()) {
                    case DATA, BSS -> ArrayMap.globalData(d.spec().name(), d.initialData(), d.spec().valueSize(), true);
                    case RODATA -> {
                        // Frozen, as libbpf freezes .rodata: neither programs nor the host change it after load, so
                        // the verifier may treat its contents as constants. Set it before load with
                        // ElfObject.withInitialData.
                        ArrayMap m = ArrayMap.globalData(d.spec().name(), d.initialData(), d.spec().valueSize(), false);
                        m.freeze();
                        yield m;
                    }
                    default -> BpfMap.create(d.spec());
                });
                created.add(maps.getLast());
            }
            LoadedObject obj = new LoadedObject(this, name, elf, maps);
            List<MapSpec> specs = maps.stream().map(BpfMap::spec).toList();
            List<byte[]> frozen = new ArrayList<>();
            for (int i = 0; i < maps.size(); i++)
                frozen.add(maps.get(i).frozen() ? maps.get(i).lookup(new byte[4]) : null);
            MapResolver resolver = new MapResolver(maps);
            for (ElfProgram p : elf.programs()) {
                ProgramType type = typeOf.apply(p);
                ProgramFacts facts;
                try {
                    facts = verifier.verify(new VerificationRequest(p.name(), p.program(), type, specs, helpers, p::lineAt, frozen, p::functionAt));
                } catch (VerificationException e) {
                    throw new VerificationException("program " + p.name() + " (" + p.section() + ") rejected: " + e.getMessage(), e);
                }
                if (facts == null) throw new IllegalStateException("verifier " + verifier.name() + " returned no result");
                LinkedProgram linked;
                try {
                    linked = LinkedProgram.link(p.name(), p.program(), helpers, resolver);
                } catch (LoadException e) {
                    throw new LoadException("program " + p.name() + ": " + e.getMessage() + where(p, e.getMessage()));
                }
                Engine engine = Engines.create(linked, engineKind, facts);
                obj.add(new LoadedProgram(obj, p, type, engine, facts, verifier.name()));
            }
            for (ElfObject.TailCallSlot t : elf.tailCallSlots())
                obj.setTailCall(maps.get(t.mapIndex()).name(), t.slot(), obj.program(t.program()));
            synchronized (mapHolders) {
                for (BpfMap m : maps) mapHolders.merge(m, 1, Integer::sum);
            }
            objects.add(obj);
            return obj;
        } catch (RuntimeException e) {
            for (BpfMap m : created) m.close();
            throw e;
        }
    }

    private static String where(ElfProgram p, String message) {
        // LoadException messages start with "instruction N:"; name the C line when line info has it.
        if (!message.startsWith("instruction ")) return "";
        try {
            int slot = Integer.parseInt(message.substring(12, message.indexOf(':')));
            LineInfo l = p.lineAt(slot);
            return l == null ? "" : " (" + l + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    public static final class Builder {
        private ProgramVerifier verifier;
        private HelperRegistry helpers = MapHelpers.registry();
        private ProgramTypes types = new ProgramTypes();
        private EngineKind engine = EngineKind.INTERPRETER;
        private long budget = ExecutionState.DEFAULT_BUDGET;
        private TraceSink trace;

        /** The verification step; required. */
        public Builder verifier(ProgramVerifier v) { this.verifier = v; return this; }

        /** Helpers programs may call (default: {@link MapHelpers#registry()}); extend it to add host helpers. */
        public Builder helpers(HelperRegistry h) { this.helpers = h; return this; }

        public Builder types(ProgramTypes t) { this.types = t; return this; }

        public Builder engine(EngineKind k) { this.engine = k; return this; }

        public Builder budget(long b) { this.budget = b; return this; }

        public Builder trace(TraceSink sink) { this.trace = sink; return this; }

        public ProgramRuntime build() {
            if (verifier == null) verifier = Verifiers.standard();
            return new ProgramRuntime(this);
        }
    }
}
