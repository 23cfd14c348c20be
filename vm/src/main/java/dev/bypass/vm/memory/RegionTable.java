package dev.bypass.vm.memory;

import dev.bypass.vm.LoadException;
import java.util.Arrays;

/**
 * What the programs of one loaded object were handed: their maps, by index. A program's map handle is
 * {@code Pointers.make(MAP_HANDLE_REGION, index)} and a pointer into a map's values has region id
 * {@link Memory#FIRST_SHARED_REGION} + index, so a pointer or handle can only ever name an object of its own
 * program's table: ids are not global, and a forged one names nothing (a clean fault) or something the program
 * had anyway. Separation between loaded objects thus holds by construction, whatever the verifier concluded.
 *
 * <p>The linker fills the table (each map a program refers to is added once, in order of first reference); the
 * programs of one object share it, so pointers mean the same thing across their tail calls. {@link Memory} switches
 * to the running program's table whenever an engine enters it and reads the regions from an array there: the hot
 * path costs what the process-wide table it replaces cost. A closed object's region drops out of every table before
 * the next program entry. Thread-safe.
 */
public final class RegionTable {
    private static final Region[] NO_REGIONS = new Region[0];
    /** Bumped whenever any shared object closes: tables then rebuild their region arrays. */
    private static volatile int closes;

    private volatile SharedObject[] objects = new SharedObject[0];
    private volatile Region[] regions = NO_REGIONS;
    private volatile int builtAt;

    /** The index of {@code o} in this table, adding it if it is not there yet. */
    public synchronized int indexOf(SharedObject o) {
        SharedObject[] a = objects;
        for (int i = 0; i < a.length; i++) if (a[i] == o) return i;
        if (Memory.FIRST_SHARED_REGION + a.length >= Memory.FIRST_LEASED_REGION) throw new LoadException("too many maps for one object");
        a = Arrays.copyOf(a, a.length + 1);
        a[a.length - 1] = o;
        objects = a;
        rebuild();
        return a.length - 1;
    }

    /** Number of objects in the table. */
    public int size() { return objects.length; }

    /** The object at {@code index}, or null when the table has no such index. */
    public SharedObject object(int index) {
        SharedObject[] a = objects;
        return index >= 0 && index < a.length ? a[index] : null;
    }

    /** The object a program's handle names, or null when the value is not a handle of this table. */
    public SharedObject ofHandle(long handle) {
        return Pointers.region(handle) == Pointers.MAP_HANDLE_REGION ? object((int) handle) : null;
    }

    /** A program's handle for the object at {@code index}. */
    public static long handle(int index) { return Pointers.make(Pointers.MAP_HANDLE_REGION, index); }

    /** A program's pointer to {@code offset} in the memory of the object at {@code index}. */
    public static long pointer(int index, long offset) { return Pointers.make(Memory.FIRST_SHARED_REGION + index, offset); }

    /** The regions by index, for {@link Memory}; current with respect to closed objects. */
    Region[] regions() {
        if (builtAt != closes) rebuild();
        return regions;
    }

    private synchronized void rebuild() {
        int at = closes;
        SharedObject[] a = objects;
        Region[] r = new Region[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i].programRegion();
        regions = r;
        builtAt = at;
    }

    static void objectClosed() {
        synchronized (RegionTable.class) {
            closes++;
        }
    }
}
