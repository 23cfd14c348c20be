package dev.bypass.vm.facts;

/**
 * What is proven about the memory access of a load, store or atomic instruction: the type of the base pointer,
 * and whether every address it can form lies inside its region object, so the engine may skip the bounds check.
 * {@code stackOffset} is the constant frame-pointer-relative offset when the access is to the stack at a constant
 * slot (e.g. -8), which lets a JIT keep that slot in a JVM local.
 */
public record AccessFact(RegisterType base, boolean provenInBounds, boolean constantStackSlot, int stackOffset) {}
