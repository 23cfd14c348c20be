package dev.bypass.verifier;

/**
 * Why a program was rejected. The names are stable: tools and tests match on them, messages may improve.
 */
public enum ErrorCode {
    /** A jump or call target outside the program. */
    JUMP_OUT_OF_RANGE,
    /** A jump into the second half of an {@code lddw}. */
    JUMP_INTO_LDDW,
    /** Execution can run past the last instruction. */
    FALL_THROUGH_END,
    /** An instruction no path can reach. */
    UNREACHABLE_INSN,
    /** An instruction or form this verifier does not accept. */
    INVALID_INSN,
    /** A register read before it was written. */
    UNINIT_REGISTER,
    /** A write to the read-only frame pointer r10. */
    FRAME_POINTER_WRITE,
    /** A stack read of bytes never written on this path. */
    UNINIT_STACK,
    /** A memory access outside its region (stack, context, map value, memory, packet). */
    OUT_OF_BOUNDS,
    /** A stack access not aligned to its size (Linux requires natural alignment on the stack). */
    MISALIGNED_ACCESS,
    /** A dereference of a pointer that may be NULL. */
    NULL_DEREFERENCE,
    /** A dereference of something that is not a pointer to memory. */
    INVALID_MEMORY_ACCESS,
    /** A context access to no declared field, with a wrong width, or a write to a read-only field. */
    INVALID_CONTEXT_ACCESS,
    /** A write to memory programs may only read (frozen maps). */
    READ_ONLY_WRITE,
    /** Arithmetic a pointer of that kind does not allow. */
    INVALID_POINTER_ARITHMETIC,
    /** A helper argument that does not match the helper's prototype. */
    INVALID_HELPER_ARGUMENT,
    /** A call to a helper this program type may not use. */
    UNKNOWN_HELPER,
    /** A reference (ring-buffer record) not released on some path. */
    UNRELEASED_REFERENCE,
    /** A spin lock held at exit or across a call, or released without being held. */
    LOCK_MISUSE,
    /** A tail call while references or a lock are held. */
    TAIL_CALL_WITH_REFERENCE,
    /** bpf-to-bpf calls nested more than 8 deep, recursion, or a combined stack over 512 bytes. */
    CALL_DEPTH,
    /** A return value the caller cannot use (uninitialised, or a pointer into the returning frame). */
    INVALID_RETURN,
    /** A callback that is not a valid subprogram for the helper. */
    INVALID_CALLBACK,
    /** A loop that comes back to the same state: it may never end. */
    INFINITE_LOOP,
    /** More than 1,000,000 instructions processed. */
    TOO_COMPLEX
}
