package dev.bypass.vm.maps;

import dev.bypass.vm.BpfException;

/** A map cannot be created, or a host operation on it failed; carries the negated Linux errno when there is one. */
public final class MapException extends BpfException {
    private final int errno;

    public MapException(String message) { this(message, 0); }

    public MapException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** Negated errno ({@code -ENOENT}...), or 0 when the failure is not an operation result. */
    public int errno() { return errno; }
}
