package dev.bypass.verifier;

import dev.bypass.vm.facts.RegisterType;

/**
 * The abstract value of one register. For scalars the bounds describe the value; for pointers they describe the
 * variable part of the offset, {@code off} being the constant part. {@code id} ties copies of one pointer together
 * (a null check refines all of them; packet pointers share a proven range); {@code refId} names an acquired
 * reference (a ring-buffer record) that must be released; {@code map} indexes the request's maps; {@code size} is
 * the size of a PTR_TO_MEM region or the proven range of a packet pointer; {@code frame} is the call frame a stack
 * pointer points into.
 */
record Reg(RegisterType type, long off, Tnum tnum, long umin, long umax, long smin, long smax,
           int id, int refId, int map, int size, int frame) {

    static final Reg NOT_INIT = new Reg(RegisterType.NOT_INIT, 0, Tnum.UNKNOWN, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, 0, -1, 0, 0);
    static final Reg UNKNOWN = new Reg(RegisterType.SCALAR, 0, Tnum.UNKNOWN, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, 0, -1, 0, 0);

    static Reg constant(long v) { return new Reg(RegisterType.SCALAR, 0, Tnum.constant(v), v, v, v, v, 0, 0, -1, 0, 0); }

    /** A scalar in the unsigned range [0, max]. */
    static Reg unsignedUpTo(long max) { return UNKNOWN.withBounds(Tnum.range(0, max), 0, max, Long.MIN_VALUE, Long.MAX_VALUE); }

    static Reg pointer(RegisterType type, long off, int map, int size, int frame) {
        return new Reg(type, off, Tnum.constant(0), 0, 0, 0, 0, 0, 0, map, size, frame);
    }

    boolean isScalar() { return type == RegisterType.SCALAR; }

    boolean isPointer() { return type != RegisterType.SCALAR && type != RegisterType.NOT_INIT; }

    boolean isConstant() { return tnum.isConstant(); }

    long constantValue() { return tnum.value(); }

    /** True when the pointer's offset has no variable part. */
    boolean fixedOffset() { return tnum.isConstant() && tnum.value() == 0; }

    boolean isNullable() {
        return type == RegisterType.PTR_TO_MAP_VALUE_OR_NULL || type == RegisterType.PTR_TO_MEM_OR_NULL;
    }

    Reg withType(RegisterType t) { return new Reg(t, off, tnum, umin, umax, smin, smax, id, refId, map, size, frame); }

    Reg withOff(long o) { return new Reg(type, o, tnum, umin, umax, smin, smax, id, refId, map, size, frame); }

    Reg withId(int i) { return new Reg(type, off, tnum, umin, umax, smin, smax, i, refId, map, size, frame); }

    Reg withRefId(int r) { return new Reg(type, off, tnum, umin, umax, smin, smax, id, r, map, size, frame); }

    Reg withSize(int s) { return new Reg(type, off, tnum, umin, umax, smin, smax, id, refId, map, s, frame); }

    /** New bounds, tightened against each other; null when they contradict (no value satisfies them). */
    Reg withBounds(Tnum t, long umin, long umax, long smin, long smax) {
        for (int round = 0; round < 2; round++) {
            // unsigned from known bits
            if (Long.compareUnsigned(umin, t.min()) < 0) umin = t.min();
            if (Long.compareUnsigned(umax, t.max()) > 0) umax = t.max();
            // signed from known bits when the sign bit is known
            if (t.mask() >= 0) { // sign bit known
                long smn = t.value() | (t.mask() & Long.MIN_VALUE), smx = t.value() | (t.mask() & Long.MAX_VALUE);
                if (smin < smn) smin = smn;
                if (smax > smx) smax = smx;
            }
            // signed and unsigned agree where the range does not cross the sign boundary
            if (smin >= 0 || smax < 0) {
                if (Long.compareUnsigned(umin, smin) < 0) umin = smin;
                if (Long.compareUnsigned(umax, smax) > 0) umax = smax;
            }
            if ((umin ^ umax) >= 0) { // same sign bit: the unsigned range is a signed range too
                if (smin < umin) smin = umin;
                if (smax > umax) smax = umax;
            }
            if (Long.compareUnsigned(umin, umax) > 0 || smin > smax) return null;
            t = t.intersect(Tnum.range(umin, umax));
            if ((t.value() & t.mask()) != 0) return null;
            if (Long.compareUnsigned(t.min(), umax) > 0 || Long.compareUnsigned(t.max(), umin) < 0) return null;
        }
        return new Reg(type, off, t, umin, umax, smin, smax, id, refId, map, size, frame);
    }

    Reg withBoundsOf(Reg o) { return withBounds(o.tnum, o.umin, o.umax, o.smin, o.smax); }

    /** Whether every concrete value this register may hold is allowed by {@code outer} (for state pruning). */
    boolean within(Reg outer) {
        if (outer.type == RegisterType.NOT_INIT) return true;
        if (type != outer.type) return false;
        if (!boundsWithin(outer)) return false;
        if (type == RegisterType.SCALAR) return true;
        if (off != outer.off || map != outer.map || frame != outer.frame || refId != outer.refId) return false;
        return switch (type) {
            case PTR_TO_PACKET -> size >= outer.size && id == outer.id;
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> id == outer.id && size == outer.size;
            default -> size == outer.size;
        };
    }

    boolean boundsWithin(Reg outer) {
        return Long.compareUnsigned(umin, outer.umin) >= 0 && Long.compareUnsigned(umax, outer.umax) <= 0
                && smin >= outer.smin && smax <= outer.smax && tnum.within(outer.tnum);
    }

    @Override public String toString() {
        return switch (type) {
            case NOT_INIT -> "?";
            case SCALAR -> isConstant() ? Long.toString(tnum.value()) : scalarText();
            default -> {
                StringBuilder b = new StringBuilder(typeName());
                b.append("(off=").append(off);
                if (!fixedOffset()) b.append(", var=").append(scalarText());
                if (map >= 0) b.append(", map=").append(map);
                if (type == RegisterType.PTR_TO_MEM || type == RegisterType.PTR_TO_MEM_OR_NULL || type == RegisterType.PTR_TO_RDONLY_BUF) b.append(", size=").append(size);
                if (type == RegisterType.PTR_TO_PACKET) b.append(", range=").append(size);
                if (type == RegisterType.PTR_TO_STACK && frame > 0) b.append(", frame=").append(frame);
                if (id != 0) b.append(", id=").append(id);
                if (refId != 0) b.append(", ref=").append(refId);
                yield b.append(')').toString();
            }
        };
    }

    private String typeName() {
        return switch (type) {
            case PTR_TO_CTX -> "ctx";
            case PTR_TO_STACK -> "fp";
            case PTR_TO_MAP_VALUE -> "map_value";
            case PTR_TO_MAP_VALUE_OR_NULL -> "map_value_or_null";
            case CONST_PTR_TO_MAP -> "map_ptr";
            case PTR_TO_PACKET -> "pkt";
            case PTR_TO_PACKET_END -> "pkt_end";
            case PTR_TO_MEM -> "mem";
            case PTR_TO_MEM_OR_NULL -> "mem_or_null";
            case PTR_TO_RDONLY_BUF -> "rdonly_buf";
            case PTR_TO_FUNC -> "func";
            default -> type.name().toLowerCase();
        };
    }

    private String scalarText() {
        StringBuilder b = new StringBuilder("scalar(");
        boolean first = true;
        if (umin != 0 || umax != -1L) {
            b.append("umin=").append(Long.toUnsignedString(umin)).append(", umax=").append(Long.toUnsignedString(umax));
            first = false;
        }
        if (smin != Long.MIN_VALUE || smax != Long.MAX_VALUE) {
            if (!first) b.append(", ");
            b.append("smin=").append(smin).append(", smax=").append(smax);
            first = false;
        }
        if (tnum.mask() != -1L && !(umin == 0 && umax == -1L)) {
            b.append(", var_off=").append(tnum);
        }
        return b.append(')').toString();
    }
}
