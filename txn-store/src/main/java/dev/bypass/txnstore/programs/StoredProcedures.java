package dev.bypass.txnstore.programs;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.resp.Procedures;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.MapHelpers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Programs as stored procedures: runs a loaded program with the store helpers bound to this store. A run whose
 * commit failed validation ({@code store_commit} returned {@code -EAGAIN}) is run again from the start, like
 * {@link Store#call}; a transaction the program left open is aborted. Programs take their arguments as a raw
 * context of up to eight little-endian u64s.
 */
public final class StoredProcedures implements Procedures {
    public static final int MAX_ATTEMPTS = 100;
    public static final int MAX_ARGS = 8;

    private final Store store;
    private final Map<String, LoadedProgram> programs = new ConcurrentHashMap<>();

    public StoredProcedures(Store store) { this.store = store; }

    /** The map helpers plus the store helpers: build the program runtime with these. */
    public static HelperRegistry helpers() { return StoreHelpers.register(MapHelpers.registry().toBuilder()).build(); }

    /** Makes every program of the object callable by its name. */
    public StoredProcedures add(LoadedObject object) {
        for (LoadedProgram p : object.programs()) programs.put(p.name(), p);
        return this;
    }

    @Override public List<String> names() { return programs.keySet().stream().sorted().toList(); }

    @Override public long run(String name, long[] args) {
        LoadedProgram p = programs.get(name);
        if (p == null) throw new IllegalArgumentException("no program named " + name + " is loaded (loaded: " + String.join(", ", names()) + ")");
        if (args.length > MAX_ARGS) throw new IllegalArgumentException("programs take at most " + MAX_ARGS + " arguments");
        ByteBuffer b = ByteBuffer.allocate(8 * MAX_ARGS).order(ByteOrder.LITTLE_ENDIAN);
        for (long a : args) b.putLong(a);
        return run(p, b.array());
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
                StoreHelpers.Session s = new StoreHelpers.Session(store);
                StoreHelpers.CURRENT.set(s);
                long r;
                try {
                    r = program.run(context);
                } finally {
                    if (s.tx != null) s.tx.abort();
                }
                if (!s.conflicted || attempt >= MAX_ATTEMPTS) return (int) r;
            }
        } finally {
            if (outer == null) StoreHelpers.CURRENT.remove();
            else StoreHelpers.CURRENT.set(outer);
        }
    }
}
