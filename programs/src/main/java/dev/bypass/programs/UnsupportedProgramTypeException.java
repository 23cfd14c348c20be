package dev.bypass.programs;

import dev.bypass.vm.BpfException;

/**
 * A program's section names a Linux program type this runtime does not model ({@code xdp}, {@code tc},
 * {@code kprobe/...}): it is refused rather than verified against some other, more permissive type.
 */
public final class UnsupportedProgramTypeException extends BpfException {
    public UnsupportedProgramTypeException(String message) { super(message); }
}
