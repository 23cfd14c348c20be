package dev.bypass.vm.helpers;

/**
 * Argument kinds of helper prototypes, with the meanings of the Linux kernel's {@code ARG_*} constants; the
 * verifier checks call sites against them.
 */
public enum ArgType {
    /** Any initialised value. */
    ANYTHING,
    /** A map handle from {@code lddw} with a map source. */
    CONST_MAP_PTR,
    /** Pointer to initialised memory of the map's key size. */
    PTR_TO_MAP_KEY,
    /** Pointer to initialised memory of the map's value size. */
    PTR_TO_MAP_VALUE,
    /** Pointer to memory of the map's value size that the helper fills. */
    PTR_TO_UNINIT_MAP_VALUE,
    /** Pointer to initialised memory whose size is the next argument. */
    PTR_TO_MEM,
    /** Pointer to memory that the helper fills, size in the next argument. */
    PTR_TO_UNINIT_MEM,
    /** Pointer to read-only memory whose size is the next argument (may be zero-sized with CONST_SIZE_OR_ZERO). */
    PTR_TO_CONST_STR,
    /** A size for the previous pointer argument, proven > 0. */
    CONST_SIZE,
    /** A size for the previous pointer argument, proven >= 0. */
    CONST_SIZE_OR_ZERO,
    /** A size for memory the helper allocates (ring buffer reserve), a known constant. */
    CONST_ALLOC_SIZE_OR_ZERO,
    /** The program's context pointer. */
    PTR_TO_CTX,
    /** A pointer to a subprogram (callback), from {@code lddw} with the function source. */
    PTR_TO_FUNC,
    /** A pointer to a stack slot or NULL (callback context). */
    PTR_TO_STACK_OR_NULL,
    /** A reference obtained from a reserving helper; this call releases it. */
    PTR_TO_ALLOC_MEM_RELEASE,
    /** Pointer to a {@code struct bpf_spin_lock} inside a map value. */
    PTR_TO_SPIN_LOCK,
    /** Pointer to 8 writable bytes (an out parameter). */
    PTR_TO_LONG
}
