package dev.bypass.vm.memory;

import dev.bypass.vm.exec.PseudoResolver;

/**
 * Something programs are handed by the loader and name through a handle: a map. It has a process-wide id (its
 * {@link SharedObjects} registration) and may own memory programs address directly (a map's values).
 */
public interface SharedObject {
    /** The process-wide id, for handles in host code and in what a {@link PseudoResolver} returns. */
    int id();

    /** The memory programs holding this object may load and store (its values), or null: none, or no longer (closed). */
    Region programRegion();
}
