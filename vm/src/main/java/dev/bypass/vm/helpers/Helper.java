package dev.bypass.vm.helpers;

/**
 * A host function a program may call by id ({@code call N}). Arguments arrive in r1..r5; the result goes to r0.
 * Pointer arguments are tagged addresses: read and write them through {@code ctx.memory()}, which checks bounds.
 * A helper signals a program error by throwing {@link HelperException}; other exceptions are host bugs.
 */
@FunctionalInterface
public interface Helper {
    long call(HelperContext ctx, long r1, long r2, long r3, long r4, long r5);
}
