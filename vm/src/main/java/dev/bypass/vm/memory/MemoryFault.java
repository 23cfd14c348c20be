package dev.bypass.vm.memory;

import dev.bypass.vm.exec.ExecutionException;

/**
 * Raised by {@link Memory} for an access outside every region; engines catch it and rethrow it as an
 * {@link ExecutionException} that names the instruction. Cheap: no stack trace.
 */
public final class MemoryFault extends RuntimeException {
    public MemoryFault(String message) { super(message, null, false, false); }
}
