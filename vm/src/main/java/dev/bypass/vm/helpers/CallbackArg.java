package dev.bypass.vm.helpers;

/**
 * What a helper passes in one argument register when it calls a program's callback (the function given as its
 * {@link ArgType#PTR_TO_FUNC} argument), so that the verifier checks the callback against what it really receives.
 */
public sealed interface CallbackArg {
    /** A loop index: any u32. */
    record Index() implements CallbackArg {}

    /** Any number (for example a length). */
    record Scalar() implements CallbackArg {}

    /** The map handle the helper was given (its {@link ArgType#CONST_MAP_PTR} argument). */
    record MapHandle() implements CallbackArg {}

    /** A read-only copy of a key of the helper's map: the map's key size. */
    record MapKey() implements CallbackArg {}

    /** A pointer into a value of the helper's map (writable unless the map is read-only for programs). */
    record MapValue() implements CallbackArg {}

    /**
     * Read-only memory of at least {@code bytes} bytes. The helper guarantees the size (padding with zeros when the
     * data is shorter) so that a verified callback can read that much without knowing the data's length.
     */
    record ReadOnlyMemory(int bytes) implements CallbackArg {
        public ReadOnlyMemory {
            if (bytes <= 0) throw new IllegalArgumentException("read-only callback memory needs a positive size");
        }
    }

    /** The helper's {@link ArgType#PTR_TO_STACK_OR_NULL} argument, passed through. */
    record Context() implements CallbackArg {}
}
