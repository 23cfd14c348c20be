package dev.bypass.txnstore.programs;

import static dev.bypass.vm.helpers.ArgType.*;

import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.SerializationFailure;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Transaction;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.helpers.CallbackArg;
import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.maps.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Helpers that let a program run a transaction on the store: begin, table, get, put, delete, scan (with a
 * callback), commit, abort. A program runs at most one transaction at a time (no handle argument: the five
 * argument registers go to table, key and value). Errors come back as negative errno values, as with Linux
 * helpers: {@code -EINVAL} without an open transaction, {@code -ENOENT} for a missing key, {@code -EAGAIN} when
 * commit fails validation (the transaction is then over; {@link StoredProcedures} re-runs the program).
 *
 * <pre>
 * long store_begin(u64 isolation);                       // 0 serializable, 1 snapshot; -EBUSY if one is open
 * long store_table(const char *name, u32 len);           // table id for this run, >= 0
 * long store_get(u32 table, const void *key, u32 klen, void *val, u32 vlen);  // value length, -ENOENT
 * long store_put(u32 table, const void *key, u32 klen, const void *val, u32 vlen);
 * long store_delete(u32 table, const void *key, u32 klen);
 * long store_scan(u32 table, const void *from, u32 flen, long (*cb)(void *key, u64 klen, void *val, u64 vlen, void *ctx), void *ctx);
 *                                                        // cb's key and val: read-only, at least SCAN_VIEW bytes
 * long store_commit(void);                               // 0, or -EAGAIN on a serialization failure
 * long store_abort(void);
 * </pre>
 */
public final class StoreHelpers {
    private StoreHelpers() {}

    public static final int BEGIN = HelperRegistry.FIRST_HOST_ID + 200, TABLE = BEGIN + 1, GET = BEGIN + 2, PUT = BEGIN + 3,
            DELETE = BEGIN + 4, SCAN = BEGIN + 5, COMMIT = BEGIN + 6, ABORT = BEGIN + 7;

    /**
     * The callback of {@code store_scan} may read this many bytes of each key and value whatever their length (the
     * verifier knows this size, not the row's): shorter ones are passed zero-padded.
     */
    public static final int SCAN_VIEW = 64;

    /** The store and transaction of the program run on this thread. */
    static final class Session {
        final Store store;
        /** Tables by the name bytes programs pass, shared by every run on this store (no String per lookup). */
        final java.util.Map<java.nio.ByteBuffer, Table> names;
        Transaction tx;
        final List<Table> tables = new ArrayList<>(2);
        boolean conflicted;

        Session(Store store, java.util.Map<java.nio.ByteBuffer, Table> names) {
            this.store = store;
            this.names = names;
        }
    }

    static final ThreadLocal<Session> CURRENT = new ThreadLocal<>();

    private static Session session() {
        Session s = CURRENT.get();
        if (s == null) throw new HelperException("store helpers are only available to programs run by StoredProcedures");
        return s;
    }

    private static byte[] read(HelperContext c, long ptr, long len) {
        if (len < 0 || len > (1 << 20)) throw new HelperException("store helper: buffer length " + len + " is invalid");
        if (len == 0) return new byte[0];
        return c.memory().read(ptr, (int) len);
    }

    private static Table table(Session s, long id) {
        if (id < 0 || id >= s.tables.size()) return null;
        return s.tables.get((int) id);
    }

    public static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.register(BEGIN, "store_begin", Prototype.of(ReturnType.INTEGER, ANYTHING), (c, iso, x, y, z, w) -> {
            Session s = session();
            if (s.tx != null) return -Errno.EBUSY;
            if (iso != 0 && iso != 1) return -Errno.EINVAL;
            s.tx = s.store.begin(iso == 0 ? Isolation.SERIALIZABLE : Isolation.SNAPSHOT);
            return 0;
        });
        b.register(TABLE, "store_table", Prototype.of(ReturnType.INTEGER, PTR_TO_MEM, CONST_SIZE), (c, name, len, x, y, z) -> {
            Session s = session();
            byte[] raw = read(c, name, len);
            java.nio.ByteBuffer nameKey = java.nio.ByteBuffer.wrap(raw);
            Table t = s.names.get(nameKey);
            if (t == null) {
                String n = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
                int nul = n.indexOf('\0');
                if (nul >= 0) n = n.substring(0, nul);
                if (n.isEmpty() || n.indexOf('#') >= 0) return -Errno.EINVAL;
                t = s.store.table(n);
                s.names.putIfAbsent(nameKey, t);
            }
            int i = s.tables.indexOf(t);
            if (i < 0) {
                s.tables.add(t);
                i = s.tables.size() - 1;
            }
            return i;
        });
        b.register(GET, "store_get", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_MEM, CONST_SIZE, PTR_TO_UNINIT_MEM, CONST_SIZE),
                (c, tid, key, klen, val, vlen) -> {
                    Session s = session();
                    Table t = table(s, tid);
                    if (s.tx == null || t == null) return -Errno.EINVAL;
                    byte[] v = s.tx.get(t, read(c, key, klen));
                    if (v == null) return -Errno.ENOENT;
                    MemorySegment out = c.memory().slice(val, vlen, true);
                    int n = (int) Math.min(v.length, vlen);
                    MemorySegment.copy(v, 0, out, ValueLayout.JAVA_BYTE, 0, n);
                    if (n < vlen) out.asSlice(n).fill((byte) 0);
                    return v.length;
                });
        b.register(PUT, "store_put", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_MEM, CONST_SIZE, PTR_TO_MEM, CONST_SIZE_OR_ZERO),
                (c, tid, key, klen, val, vlen) -> {
                    Session s = session();
                    Table t = table(s, tid);
                    if (s.tx == null || t == null || s.tx.isReadOnly()) return -Errno.EINVAL;
                    s.tx.putOwned(t, read(c, key, klen), read(c, val, vlen)); // both are fresh copies already
                    return 0;
                });
        b.register(DELETE, "store_delete", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_MEM, CONST_SIZE),
                (c, tid, key, klen, x, y) -> {
                    Session s = session();
                    Table t = table(s, tid);
                    if (s.tx == null || t == null) return -Errno.EINVAL;
                    s.tx.delete(t, read(c, key, klen));
                    return 0;
                });
        b.register(SCAN, "store_scan", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_MEM, CONST_SIZE_OR_ZERO, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL)
                        .withCallback(new CallbackArg.ReadOnlyMemory(SCAN_VIEW), new CallbackArg.Scalar(),
                                new CallbackArg.ReadOnlyMemory(SCAN_VIEW), new CallbackArg.Scalar(), new CallbackArg.Context()),
                (c, tid, from, flen, fn, ctx) -> {
                    Session s = session();
                    Table t = table(s, tid);
                    if (s.tx == null || t == null) return -Errno.EINVAL;
                    if (!(c instanceof ExecutionState st)) throw new HelperException("store_scan outside an execution");
                    byte[] start = flen == 0 ? null : read(c, from, flen);
                    Memory mem = st.memory();
                    long[] keyPtr = {0}, valPtr = {0};
                    long[] n = {0};
                    s.tx.scan(t, start, null, (k, v) -> {
                        // key and value are mapped read-only for the callback; the same two slots are reused per row
                        keyPtr[0] = rebind(mem, keyPtr[0], Region.of("store key", atLeastView(k), false));
                        valPtr[0] = rebind(mem, valPtr[0], Region.of("store value", atLeastView(v), false));
                        st.chargeBudget("store_scan");
                        n[0]++;
                        long r = st.callback(fn, keyPtr[0], k.length, valPtr[0], v.length, ctx);
                        if (r != 0 && r != 1) throw new HelperException("store_scan callback returned " + r + " (must be 0 or 1)");
                        return r == 0;
                    });
                    return n[0];
                });
        b.register(COMMIT, "store_commit", Prototype.of(ReturnType.INTEGER), (c, x, y, z, w, v) -> {
            Session s = session();
            if (s.tx == null) return -Errno.EINVAL;
            Transaction tx = s.tx;
            s.tx = null;
            try {
                tx.commit();
                return 0;
            } catch (SerializationFailure e) {
                s.conflicted = true;
                return -Errno.EAGAIN;
            }
        });
        b.register(ABORT, "store_abort", Prototype.of(ReturnType.INTEGER), (c, x, y, z, w, v) -> {
            Session s = session();
            if (s.tx == null) return -Errno.EINVAL;
            s.tx.abort();
            s.tx = null;
            return 0;
        });
        return b;
    }

    private static byte[] atLeastView(byte[] row) {
        return row.length >= SCAN_VIEW ? row : java.util.Arrays.copyOf(row, SCAN_VIEW);
    }

    private static long rebind(Memory mem, long previous, Region r) {
        if (previous == 0) return mem.bindScratch(r);
        return mem.bind((int) (previous >>> 32), r);
    }
}
