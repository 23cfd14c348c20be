package dev.bypass.verifier;

import dev.bypass.vm.facts.RegisterType;

/**
 * The abstract value of one register (or spilled stack slot).
 *
 * <p>For a scalar, {@code var} is its value. Scalars with the same nonzero {@code id} are linked: each equals one
 * common unknown base plus its {@code off} (Linux's linked scalars: {@code r1 = r2} or {@code r1 = r2 + 5}), so a
 * comparison that narrows one narrows all. {@code lenSlack} > 0 says {@code value + lenSlack <= length of the
 * buffer} (buffer programs, a comparison with r2).
 *
 * <p>For a pointer, {@code off} is the constant part of its offset into its region and {@code var} the variable
 * part. {@code id} ties copies of one pointer together: one NULL check refines all of them, and packet pointers
 * with one variable part share a proven {@code range} (the bytes [pointer - off, pointer - off + range) exist).
 * {@code refId} names an acquired reference (a ring-buffer record) that must be released; {@code map} indexes the
 * analysis' maps; {@code size} is the size of a memory region ({@code PTR_TO_MEM}, read-only buffers); {@code frame}
 * is the call frame a stack pointer points into.
 */
record Reg(RegisterType type, long off, Scalar var, int id, int refId, int map, int size, int range, int frame, int lenSlack) {

    static final Reg NOT_INIT = new Reg(RegisterType.NOT_INIT, 0, Scalar.UNKNOWN, 0, 0, -1, 0, 0, 0, 0);
    static final Reg UNKNOWN = scalar(Scalar.UNKNOWN);

    static Reg scalar(Scalar v) { return new Reg(RegisterType.SCALAR, 0, v, 0, 0, -1, 0, 0, 0, 0); }

    static Reg constant(long v) { return scalar(Scalar.constant(v)); }

    static Reg pointer(RegisterType type, long off, int map, int size, int frame) {
        return new Reg(type, off, Scalar.constant(0), 0, 0, map, size, 0, frame, 0);
    }

    boolean isScalar() { return type == RegisterType.SCALAR; }

    boolean isPointer() { return type != RegisterType.SCALAR && type != RegisterType.NOT_INIT; }

    boolean isInit() { return type != RegisterType.NOT_INIT; }

    boolean isConstant() { return isScalar() && var.isConstant(); }

    long value() { return var.value(); }

    /** True when a pointer's offset has no variable part. */
    boolean fixedOffset() { return var.isConstant() && var.value() == 0; }

    boolean isNullable() {
        return type == RegisterType.PTR_TO_MAP_VALUE_OR_NULL || type == RegisterType.PTR_TO_MEM_OR_NULL || type == RegisterType.CONST_PTR_TO_MAP_OR_NULL;
    }

    /** The type a nullable pointer has once it is known not to be NULL. */
    RegisterType nonNullType() {
        return switch (type) {
            case PTR_TO_MAP_VALUE_OR_NULL -> RegisterType.PTR_TO_MAP_VALUE;
            case PTR_TO_MEM_OR_NULL -> RegisterType.PTR_TO_MEM;
            case CONST_PTR_TO_MAP_OR_NULL -> RegisterType.CONST_PTR_TO_MAP;
            default -> type;
        };
    }

    Reg withType(RegisterType t) { return new Reg(t, off, var, id, refId, map, size, range, frame, lenSlack); }

    Reg withOff(long o) { return new Reg(type, o, var, id, refId, map, size, range, frame, lenSlack); }

    Reg withVar(Scalar v) { return new Reg(type, off, v, id, refId, map, size, range, frame, lenSlack); }

    Reg withId(int i) { return new Reg(type, off, var, i, refId, map, size, range, frame, lenSlack); }

    Reg withRefId(int r) { return new Reg(type, off, var, id, r, map, size, range, frame, lenSlack); }

    Reg withRange(int r) { return new Reg(type, off, var, id, refId, map, size, r, frame, lenSlack); }

    Reg withLenSlack(int k) { return new Reg(type, off, var, id, refId, map, size, range, frame, Math.max(0, k)); }

    /** A scalar with a new value: links and length facts of the old value no longer hold. */
    Reg withValue(Scalar v) { return scalar(v); }

    @Override public String toString() {
        return switch (type) {
            case NOT_INIT -> "?";
            case SCALAR -> {
                String s = var.toString();
                if (id != 0) s += "#" + id + (off != 0 ? (off > 0 ? "+" : "") + off : "");
                if (lenSlack > 0) s += "(+" + lenSlack + "<=len)";
                yield s;
            }
            default -> {
                StringBuilder b = new StringBuilder(typeName());
                b.append("(off=").append(off);
                if (!fixedOffset()) b.append(",var=").append(var);
                if (map >= 0) b.append(",map=").append(map);
                if (type == RegisterType.PTR_TO_MEM || type == RegisterType.PTR_TO_MEM_OR_NULL || type == RegisterType.PTR_TO_RDONLY_BUF) b.append(",size=").append(size);
                if (type == RegisterType.PTR_TO_PACKET) b.append(",r=").append(range);
                if (type == RegisterType.PTR_TO_STACK && frame > 0) b.append(",frame=").append(frame);
                if (id != 0) b.append(",id=").append(id);
                if (refId != 0) b.append(",ref=").append(refId);
                yield b.append(')').toString();
            }
        };
    }

    String typeName() {
        return switch (type) {
            case PTR_TO_CTX -> "ctx";
            case PTR_TO_STACK -> "fp";
            case PTR_TO_MAP_VALUE -> "map_value";
            case PTR_TO_MAP_VALUE_OR_NULL -> "map_value_or_null";
            case CONST_PTR_TO_MAP -> "map_ptr";
            case CONST_PTR_TO_MAP_OR_NULL -> "map_ptr_or_null";
            case PTR_TO_PACKET -> "pkt";
            case PTR_TO_PACKET_END -> "pkt_end";
            case PTR_TO_MEM -> "mem";
            case PTR_TO_MEM_OR_NULL -> "mem_or_null";
            case PTR_TO_RDONLY_BUF -> "rdonly_buf";
            case PTR_TO_FUNC -> "func";
            case SCALAR -> "scalar";
            case NOT_INIT -> "?";
        };
    }
}
