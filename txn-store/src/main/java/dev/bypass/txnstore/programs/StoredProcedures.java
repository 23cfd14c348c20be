package dev.bypass.txnstore.programs;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.resp.Procedures;
import dev.bypass.vm.BpfException;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.standard.MapHelpers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Programs as stored procedures: runs a loaded program with the store helpers bound to this store. A run whose
 * commit failed validation ({@code store_commit} returned {@code -EAGAIN}) is run again from the start, like
 * {@link Store#call}; a transaction the program left open is aborted. Programs take their arguments as a raw
 * context of up to eight little-endian u64s.
 *
 * <p>Programs come in libraries: an ELF object and the programs in it. Libraries given by the host ({@link #add})
 * live as long as this object; libraries loaded at run time ({@link #load}, {@code BPF.LOAD}) are verified by the
 * runtime's verifier and kept in the store's system table {@code #bpf.libraries} (name to a version stamp and the
 * object bytes), written in a transaction of their own, so they are logged, checkpointed, recovered and replicated
 * with the data; a new instance loads them again (verifying them again) from there. The table is the truth: a run of
 * a stored library first reads its stamp (one read-only lookup), so a library that another instance over the same
 * data (a replica's, after its log brought a change) loaded, replaced or unloaded is loaded, swapped or dropped here
 * before the run. Program names are unique across libraries, so {@code BPF.RUN name} finds a program by its name, or
 * a library of one program by the library's name.
 *
 * <p>A library replaced or unloaded while its programs run is closed (its maps freed) once the last run ends.
 */
public final class StoredProcedures implements Procedures {
    public static final int MAX_ATTEMPTS = 100;
    public static final int MAX_ARGS = 8;
    /** Longest library name; names are printable ASCII without spaces. */
    public static final int MAX_NAME = 128;

    private final Store store;
    private final ProgramRuntime runtime;
    private final Table saved;
    private final Map<String, Library> libraries = new ConcurrentHashMap<>();
    private final Map<String, Entry> programs = new ConcurrentHashMap<>();
    private final List<String> restoreWarnings = new ArrayList<>();
    /** Kept libraries that failed to load, by name, with the bytes that failed: not tried again until they change. */
    private final Map<String, byte[]> unloadable = new ConcurrentHashMap<>();
    private static final java.security.SecureRandom STAMPS = new java.security.SecureRandom();
    private final Map<ByteBuffer, Table> tableNames = new ConcurrentHashMap<>();

    /** A library: an object and whether it came from the host or from the store. */
    private static final class Library {
        final String name;
        final LoadedObject object;
        final boolean stored;
        /** The stamp of the stored version this is (0: given by the host). */
        final long version;
        final AtomicInteger running = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile boolean retired;

        Library(String name, LoadedObject object, boolean stored, long version) {
            this.name = name;
            this.object = object;
            this.stored = stored;
            this.version = version;
        }

        /** Closes the object once retired and no run holds it. */
        void closeIfIdle() {
            if (retired && running.get() == 0 && closed.compareAndSet(false, true)) object.close();
        }
    }

    private record Entry(LoadedProgram program, Library library, LongAdder runs, LongAdder nanos) {}

    /** Procedures from host-given objects only: {@code BPF.LOAD} is refused. */
    public StoredProcedures(Store store) {
        this.store = store;
        this.runtime = null;
        this.saved = null;
    }

    /**
     * Procedures that {@code BPF.LOAD} can add to, verified by {@code runtime} (built with {@link #helpers()});
     * loads the libraries kept in the store. One that no longer loads (say the verifier became stricter) stays in
     * the store and is reported by {@link #restoreWarnings()}.
     */
    public StoredProcedures(Store store, ProgramRuntime runtime) {
        this.store = store;
        this.runtime = runtime;
        this.saved = store.systemTable("bpf.libraries");
        restore();
    }

    /** The map helpers plus the store helpers: build the program runtime with these. */
    public static HelperRegistry helpers() { return StoreHelpers.register(MapHelpers.registry().toBuilder()).build(); }

    /** Libraries kept in the store that could not be loaded, each with why. */
    public synchronized List<String> restoreWarnings() { return List.copyOf(restoreWarnings); }

    /** Makes every program of the object callable by its name, as a library named after the object. */
    public synchronized StoredProcedures add(LoadedObject object) {
        Library lib = new Library(object.name(), object, false, 0);
        checkNames(lib, null);
        register(lib, null);
        return this;
    }

    /**
     * Brings the loaded libraries in line with the table: loads those it has that are not loaded (or loaded in another
     * version), drops stored ones it no longer has.
     */
    private synchronized void restore() {
        Map<String, byte[]> kept = new TreeMap<>();
        store.read(tx -> {
            tx.scan(saved, null, null, (k, v) -> {
                kept.put(new String(k, StandardCharsets.UTF_8), v);
                return true;
            });
            return null;
        });
        for (Library lib : List.copyOf(libraries.values()))
            if (lib.stored && !kept.containsKey(lib.name)) register(null, lib);
        for (var e : kept.entrySet()) {
            String name = e.getKey();
            byte[] value = e.getValue();
            Library old = libraries.get(name);
            if (old != null && old.version == version(value) || java.util.Arrays.equals(unloadable.get(name), value)) continue;
            try {
                if (value.length < STAMP) throw new IllegalArgumentException("the stored entry is " + value.length + " bytes, too short to hold an object");
                Library lib = new Library(name, runtime.load(name, java.util.Arrays.copyOfRange(value, STAMP, value.length)), true, version(value));
                try {
                    checkNames(lib, old);
                } catch (IllegalArgumentException x) {
                    lib.object.close();
                    throw x;
                }
                register(lib, old);
            } catch (BpfException | IllegalArgumentException x) {
                unloadable.put(name, value);
                restoreWarnings.add("library " + name + " kept in the store was not loaded: " + x.getMessage());
            }
        }
    }

    /** Bytes of the version stamp before the object in a stored entry. */
    private static final int STAMP = 8;

    private static long version(byte[] value) {
        return value == null || value.length < STAMP ? -1 : ByteBuffer.wrap(value, 0, STAMP).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The stamp the table holds for a library now (-1: none). */
    private long storedVersion(String library) {
        byte[] key = library.getBytes(StandardCharsets.UTF_8);
        return store.read(tx -> version(tx.get(saved, key)));
    }

    @Override public synchronized List<String> load(String library, byte[] object, boolean replace) {
        if (runtime == null) throw new IllegalArgumentException("this server was started without a verifier for programs loaded at run time");
        checkLibraryName(library);
        restore(); // decide against what the store holds now, which another instance may have changed
        Library old = libraries.get(library);
        if (old != null && !old.stored) throw new IllegalArgumentException("library " + library + " was given when the server started and cannot be replaced");
        if (old != null && !replace) throw new IllegalArgumentException("library " + library + " already exists (BPF.LOAD " + library + " REPLACE <object> replaces it)");
        LoadedObject o;
        try {
            o = runtime.load(library, object);
        } catch (BpfException e) {
            throw new IllegalArgumentException("library " + library + ": " + e.getMessage());
        }
        long version;
        do version = STAMPS.nextLong(); while (version <= 0);
        Library lib = new Library(library, o, true, version);
        try {
            if (o.programs().isEmpty()) throw new IllegalArgumentException("library " + library + ": the object holds no programs");
            checkNames(lib, old);
            byte[] key = library.getBytes(StandardCharsets.UTF_8);
            byte[] value = ByteBuffer.allocate(STAMP + object.length).order(ByteOrder.LITTLE_ENDIAN).putLong(version).put(object).array();
            store.run(Isolation.SERIALIZABLE, tx -> tx.put(saved, key, value));
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
        register(lib, old);
        return lib.object.programs().stream().map(LoadedProgram::name).sorted().toList();
    }

    @Override public synchronized List<String> unload(String library) {
        if (runtime == null) throw new IllegalArgumentException("this server was started without a verifier for programs loaded at run time");
        restore();
        Library lib = libraries.get(library);
        if (lib == null) throw new IllegalArgumentException("no library named " + library + " (loaded: " + String.join(", ", new TreeMap<>(libraries).keySet()) + ")");
        if (!lib.stored) throw new IllegalArgumentException("library " + library + " was given when the server started and cannot be unloaded");
        store.run(Isolation.SERIALIZABLE, tx -> tx.delete(saved, library.getBytes(StandardCharsets.UTF_8)));
        register(null, lib);
        return lib.object.programs().stream().map(LoadedProgram::name).sorted().toList();
    }

    private static void checkLibraryName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.chars().anyMatch(ch -> ch <= ' ' || ch > '~'))
            throw new IllegalArgumentException("library names are 1 to " + MAX_NAME + " printable characters without spaces: '" + name + "'");
    }

    /** Program names stay unique across libraries ({@code replacing}'s own do not count). */
    private void checkNames(Library lib, Library replacing) {
        if (replacing == null && libraries.containsKey(lib.name)) throw new IllegalArgumentException("library " + lib.name + " already exists");
        for (LoadedProgram p : lib.object.programs()) {
            Entry e = programs.get(p.name());
            if (e != null && e.library() != replacing)
                throw new IllegalArgumentException("library " + lib.name + ": program " + p.name() + " already exists in library " + e.library().name);
        }
    }

    /** Puts {@code added} in place of {@code removed} (either may be null); a removed library closes when idle. */
    private void register(Library added, Library removed) {
        if (removed != null) {
            for (LoadedProgram p : removed.object.programs()) programs.computeIfPresent(p.name(), (k, e) -> e.library() == removed ? null : e);
            libraries.remove(removed.name, removed);
            removed.retired = true;
            removed.closeIfIdle();
        }
        if (added != null) {
            for (LoadedProgram p : added.object.programs()) programs.put(p.name(), new Entry(p, added, new LongAdder(), new LongAdder()));
            libraries.put(added.name, added);
        }
    }

    @Override public List<String> names() { return programs.keySet().stream().sorted().toList(); }

    @Override public List<Info> list() {
        if (saved != null) restore(); // show what the store holds now
        List<Info> out = new ArrayList<>();
        for (Entry e : new TreeMap<>(programs).values())
            out.add(new Info(e.program().name(), e.library().name, e.library().stored ? "store" : "host", e.program().instructionCount(), e.runs().sum(),
                    e.nanos().sum()));
        return out;
    }

    @Override public long run(String name, long[] args) {
        if (args.length > MAX_ARGS) throw new IllegalArgumentException("programs take at most " + MAX_ARGS + " arguments");
        ByteBuffer b = ByteBuffer.allocate(8 * MAX_ARGS).order(ByteOrder.LITTLE_ENDIAN);
        for (long a : args) b.putLong(a);
        for (int tries = 0; ; tries++) {
            Entry e = find(name);
            // A miss, or a stored library whose stamp in the table is no longer this one: the table changed.
            if (tries == 0 && saved != null && (e == null || e.library().stored && storedVersion(e.library().name) != e.library().version)) {
                restore();
                continue;
            }
            if (e == null)
                throw new IllegalArgumentException("no program named " + name + " is loaded (loaded: " + String.join(", ", names()) + ")");
            Library lib = e.library();
            lib.running.incrementAndGet();
            try {
                if (lib.retired && tries < 3) continue; // replaced just now: run the new one
                long start = System.nanoTime();
                try {
                    return run(e.program(), b.array());
                } finally {
                    e.runs().increment();
                    e.nanos().add(System.nanoTime() - start);
                }
            } finally {
                lib.running.decrementAndGet();
                lib.closeIfIdle();
            }
        }
    }

    /** A program by its name, or the one program of a library by the library's name. */
    private Entry find(String name) {
        Entry e = programs.get(name);
        if (e != null) return e;
        Library lib = libraries.get(name);
        if (lib == null || lib.object.programs().size() != 1) return null;
        return programs.get(lib.object.programs().getFirst().name());
    }

    /**
     * Runs a program against the store; returns the last attempt's result: the program's {@code int} return value
     * (the low 32 bits of r0, sign-extended, so a C {@code return -1} reads as -1). Output fields the program writes into
     * the context are visible in {@code context} afterwards; each attempt starts from the original bytes.
     */
    public long run(LoadedProgram program, byte[] context) {
        StoreHelpers.Session outer = StoreHelpers.CURRENT.get();
        byte[] original = context.clone();
        try {
            for (int attempt = 1; ; attempt++) {
                System.arraycopy(original, 0, context, 0, original.length);
                StoreHelpers.Session s = new StoreHelpers.Session(store, tableNames);
                StoreHelpers.CURRENT.set(s);
                long r;
                try {
                    r = program.run(context);
                } finally {
                    if (s.tx != null) s.tx.abort();
                }
                if (!s.conflicted || attempt >= MAX_ATTEMPTS) return (int) r;
                store.prepareRetry(attempt);
            }
        } finally {
            if (outer == null) StoreHelpers.CURRENT.remove();
            else StoreHelpers.CURRENT.set(outer);
        }
    }
}
