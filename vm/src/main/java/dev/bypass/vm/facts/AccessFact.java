package dev.bypass.vm.facts;

/**
 * What is proven about the memory access of a load, store or atomic instruction: the type of the base pointer,
 * and whether every address it can form lies inside its region object, so the engine may skip the bounds check.
 * {@code stackOffset} is the constant frame-pointer-relative offset when the access is to the stack at a constant
 * slot (e.g. -8), which lets a JIT keep that slot in a JVM local. {@code alignment} is a power of two (1 to 8) that
 * divides every offset the access forms from the start of its region object (a stack frame, a packet, a map
 * value), so a JIT can address word-sized backing memory without testing the offset.
 */
public record AccessFact(RegisterType base, boolean provenInBounds, boolean constantStackSlot, int stackOffset, int alignment) {
    public AccessFact {
        if (alignment < 1 || alignment > 8 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("alignment " + alignment);
    }

    /** True when every address the access forms is a multiple of {@code bytes} from its region object's start. */
    public boolean alignedTo(int bytes) { return alignment >= bytes; }
}
