package dev.bypass.vm.isa;

/** One 8-byte slot exactly as encoded: opcode, dst and src nibbles, signed 16-bit offset, 32-bit immediate. */
public record RawInstruction(int opcode, int dst, int src, short offset, int imm) {

    public static RawInstruction of(long word) {
        return new RawInstruction((int) (word & 0xff), (int) (word >>> 8) & 0xf, (int) (word >>> 12) & 0xf,
                (short) (word >>> 16), (int) (word >>> 32));
    }

    /** The slot as a little-endian 64-bit word (the form {@code -- raw} sections show). */
    public long word() {
        return (opcode & 0xffL) | ((dst & 0xfL) << 8) | ((src & 0xfL) << 12) | ((offset & 0xffffL) << 16)
                | ((long) imm << 32);
    }
}
