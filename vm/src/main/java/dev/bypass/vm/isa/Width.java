package dev.bypass.vm.isa;

/** Access width of loads, stores and atomics, with its encoding and its byte count. */
public enum Width {
    B(Opcodes.SIZE_B, 1, "b"), H(Opcodes.SIZE_H, 2, "h"), W(Opcodes.SIZE_W, 4, "w"), DW(Opcodes.SIZE_DW, 8, "dw");

    public final int code;
    public final int bytes;
    public final String suffix;

    Width(int code, int bytes, String suffix) {
        this.code = code;
        this.bytes = bytes;
        this.suffix = suffix;
    }

    public static Width ofCode(int sizeBits) {
        return switch (sizeBits) {
            case Opcodes.SIZE_B -> B;
            case Opcodes.SIZE_H -> H;
            case Opcodes.SIZE_W -> W;
            default -> DW;
        };
    }

    public static Width ofSuffix(String suffix) {
        for (Width w : values()) if (w.suffix.equals(suffix)) return w;
        return null;
    }
}
