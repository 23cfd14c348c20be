package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.memory.RegionTable;
import dev.bypass.vm.maps.BpfMap;

/**
 * Map arguments and results of helpers, in the calling program's terms: a handle is an index into its
 * {@link RegionTable}, and a value pointer a helper returns points into the region that index maps. A handle the
 * program was not handed names no map.
 */
final class MapArgs {
    private MapArgs() {}

    static BpfMap map(HelperContext c, long handle) {
        if (c.memory().regionTable().ofHandle(handle) instanceof BpfMap m) return m;
        throw new HelperException("0x" + Long.toHexString(handle) + " is not a map of this program");
    }

    /** The program's pointer for a map's host pointer ({@link BpfMap#lookupPointer}); 0 (not found) stays 0. */
    static long valuePointer(long handle, long hostPointer) {
        return hostPointer == 0 ? 0 : RegionTable.pointer((int) handle, Pointers.offset(hostPointer));
    }
}
