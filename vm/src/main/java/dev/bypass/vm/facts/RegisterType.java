package dev.bypass.vm.facts;

/** What a register holds, as the verifier proves it (the kinds of Linux's {@code enum bpf_reg_type}). */
public enum RegisterType {
    /** Not initialised (reading it is an error). */
    NOT_INIT,
    SCALAR,
    PTR_TO_CTX,
    PTR_TO_STACK,
    PTR_TO_MAP_VALUE,
    PTR_TO_MAP_VALUE_OR_NULL,
    CONST_PTR_TO_MAP,
    /** A map from a map of maps, or NULL. */
    CONST_PTR_TO_MAP_OR_NULL,
    PTR_TO_PACKET,
    PTR_TO_PACKET_END,
    /** Memory returned by a helper (e.g. a ring-buffer record), size known. */
    PTR_TO_MEM,
    PTR_TO_MEM_OR_NULL,
    /** Read-only memory a helper passes to a callback (a key, a row), size known. */
    PTR_TO_RDONLY_BUF,
    PTR_TO_FUNC
}
