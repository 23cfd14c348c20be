package dev.bypass.vm.memory;

import dev.bypass.vm.exec.PseudoResolver;
import java.util.Arrays;

/**
 * Process-wide ids of {@link SharedObject}s. The ids appear only where the host names an object (handles and pointers
 * a {@link PseudoResolver} returns, host-side lookups): the linker turns them into indexes of the program's own
 * {@link RegionTable}, so a running program never holds one. Reads are a volatile array load; ids are never reused.
 */
public final class SharedObjects {
    private SharedObjects() {}

    private static volatile SharedObject[] byId = new SharedObject[64];
    private static int next = 1;

    /** Registers {@code o}'s future id: the caller stores the returned id and answers it from {@link SharedObject#id()}. */
    public static synchronized int register(SharedObject o) {
        if (next == Integer.MAX_VALUE - Memory.FIRST_HOST_REGION) throw new IllegalStateException("object ids exhausted");
        int id = next++;
        SharedObject[] a = byId;
        if (id >= a.length) a = Arrays.copyOf(a, Math.max(id + 1, a.length * 2));
        a[id] = o;
        byId = a;
        return id;
    }

    /** Forgets an id (the object was closed); it is never given out again. */
    public static synchronized void unregister(int id) {
        SharedObject[] a = byId;
        if (id > 0 && id < a.length) a[id] = null;
        byId = a;
        RegionTable.objectClosed();
    }

    /** The live object with this id, or null. */
    public static SharedObject get(int id) {
        SharedObject[] a = byId;
        return id > 0 && id < a.length ? a[id] : null;
    }

    /** A host-side pointer to {@code offset} in the memory of object {@code id}; programs never see these. */
    public static long hostPointer(int id, long offset) { return Pointers.make(Memory.FIRST_HOST_REGION + id, offset); }

    /** The object a {@link #hostPointer} points into, or null. */
    public static SharedObject ofHostPointer(long pointer) {
        int region = Pointers.region(pointer);
        return region >= Memory.FIRST_HOST_REGION ? get(region - Memory.FIRST_HOST_REGION) : null;
    }
}
