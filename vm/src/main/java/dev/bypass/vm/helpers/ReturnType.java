package dev.bypass.vm.helpers;

/** What a helper returns, as the verifier sees it (Linux {@code RET_*}). */
public enum ReturnType {
    INTEGER,
    VOID,
    /** A pointer into the map value of the map argument, or 0. */
    PTR_TO_MAP_VALUE_OR_NULL,
    /** A reference to newly reserved memory of the size argument, or 0; must be released. */
    PTR_TO_ALLOC_MEM_OR_NULL
}
