package dev.bypass.vm.elf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The type information of a {@code .BTF} section: the types (id 0 is void) and their names. Parsed defensively:
 * every count and offset is checked against the section before use, and type chains are followed a bounded
 * number of steps, so a corrupted section fails with an {@link ElfException} instead of looping.
 */
public final class Btf {
    public static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
            VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15,
            FLOAT = 16, DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19;
    private static final int MAX_CHAIN = 64;

    /** A struct/union member (offset in bits), a function parameter, an enum value, or a data section variable. */
    public record Member(String name, int type, long offset, long size) {}

    /**
     * One type. {@code sizeOrType} is the byte size for sized kinds and the referenced type id for the others;
     * {@code intBits} is the bit width of INTs; arrays keep element type and length.
     */
    public record Type(int id, int kind, String name, boolean kindFlag, long sizeOrType, List<Member> members,
                       int elementType, long length, int intBits, boolean signed) {}

    private final List<Type> types;
    private final Bytes strings;

    private Btf(List<Type> types, Bytes strings) {
        this.types = Collections.unmodifiableList(types);
        this.strings = strings;
    }

    public static final Btf EMPTY = new Btf(List.of(new Type(0, 0, "void", false, 0, List.of(), 0, 0, 0, false)), null);

    static Btf parse(Bytes sec) {
        if (sec.u16(0) != 0xeb9f) throw new ElfException(".BTF", 0, "bad BTF magic 0x" + Integer.toHexString(sec.u16(0)));
        if (sec.u8(2) != 1) throw new ElfException(".BTF", 2, "unsupported BTF version " + sec.u8(2));
        int hdrLen = sec.u32int(4, "header length");
        int typeOff = sec.u32int(8, "type offset"), typeLen = sec.u32int(12, "type length");
        int strOff = sec.u32int(16, "string offset"), strLen = sec.u32int(20, "string length");
        if (hdrLen < 24) throw new ElfException(".BTF", 4, "header length " + hdrLen + " is too small");
        Bytes typeData = sec.slice((long) hdrLen + typeOff, typeLen, ".BTF types");
        Bytes strs = sec.slice((long) hdrLen + strOff, strLen, ".BTF strings");
        List<Type> types = new ArrayList<>();
        types.add(EMPTY.types.get(0));
        int p = 0;
        while (p < typeLen) {
            int id = types.size();
            String name = name(strs, typeData.u32(p), p);
            long info = typeData.u32(p + 4);
            long sizeOrType = typeData.u32(p + 8);
            int vlen = (int) (info & 0xffff);
            int kind = (int) (info >>> 24) & 0x1f;
            boolean kflag = (info >>> 31) != 0;
            p += 12;
            List<Member> members = List.of();
            int elem = 0, bits = 0;
            long len = 0;
            boolean signed = false;
            switch (kind) {
                case INT -> {
                    long enc = typeData.u32(p);
                    bits = (int) (enc & 0xff);
                    signed = ((enc >>> 24) & 1) != 0;
                    p += 4;
                }
                case PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, TYPE_TAG, FLOAT -> {}
                case ARRAY -> {
                    elem = (int) Math.min(typeData.u32(p), Integer.MAX_VALUE);
                    len = typeData.u32(p + 8);
                    p += 12;
                }
                case STRUCT, UNION, DATASEC, FUNC_PROTO, ENUM, ENUM64 -> {
                    int each = switch (kind) { case STRUCT, UNION, DATASEC, ENUM64 -> 12; default -> 8; };
                    if ((long) vlen * each > typeLen - p)
                        throw new ElfException(".BTF", p, "type " + id + " declares " + vlen + " members past the end of the type data");
                    List<Member> ms = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++, p += each) {
                        switch (kind) {
                            case STRUCT, UNION -> ms.add(new Member(name(strs, typeData.u32(p), p), (int) Math.min(typeData.u32(p + 4), Integer.MAX_VALUE),
                                    kflag ? typeData.u32(p + 8) & 0xffffff : typeData.u32(p + 8), kflag ? typeData.u32(p + 8) >>> 24 : 0));
                            case DATASEC -> ms.add(new Member("", (int) Math.min(typeData.u32(p), Integer.MAX_VALUE), typeData.u32(p + 4), typeData.u32(p + 8)));
                            case ENUM -> ms.add(new Member(name(strs, typeData.u32(p), p), 0, (int) typeData.u32(p + 4), 0));
                            case ENUM64 -> ms.add(new Member(name(strs, typeData.u32(p), p), 0, typeData.u32(p + 4) | typeData.u32(p + 8) << 32, 0));
                            default -> ms.add(new Member(name(strs, typeData.u32(p), p), (int) Math.min(typeData.u32(p + 4), Integer.MAX_VALUE), 0, 0));
                        }
                    }
                    members = List.copyOf(ms);
                }
                case VAR, DECL_TAG -> p += 4;
                default -> throw new ElfException(".BTF", p - 12, "type " + id + " has unknown kind " + kind);
            }
            types.add(new Type(id, kind, name, kflag, sizeOrType, members, elem, len, bits, signed));
        }
        return new Btf(types, strs);
    }

    private static String name(Bytes strs, long off, int at) {
        if (off == 0) return "";
        if (off >= strs.length) throw new ElfException(".BTF", at, "name offset " + off + " is outside the string table");
        return strs.cstring(off);
    }

    /** A string of the BTF string table (used by {@code .BTF.ext}). */
    String string(long off, String where, long at) {
        if (strings == null || off >= strings.length) throw new ElfException(where, at, "string offset " + off + " is outside the BTF string table");
        return strings.cstring(off);
    }

    public int count() { return types.size(); }

    public List<Type> types() { return types; }

    /** The type with this id; an {@link ElfException} naming {@code where} if there is none. */
    public Type type(long id, String where) {
        if (id < 0 || id >= types.size()) throw new ElfException(where, 0, "BTF type id " + id + " does not exist (" + types.size() + " types)");
        return types.get((int) id);
    }

    public Type type(int id) { return type(id, ".BTF"); }

    /** Follows typedefs and qualifiers to the underlying type. */
    public Type resolve(long id, String where) {
        Type t = type(id, where);
        for (int i = 0; i < MAX_CHAIN; i++) {
            switch (t.kind()) {
                case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> t = type(t.sizeOrType(), where);
                default -> { return t; }
            }
        }
        throw new ElfException(where, 0, "BTF type chain from " + id + " is too long (cyclic?)");
    }

    /** Size in bytes of a type. */
    public long sizeOf(long id, String where) { return sizeOf(id, where, 0); }

    private long sizeOf(long id, String where, int depth) {
        if (depth > MAX_CHAIN) throw new ElfException(where, 0, "BTF type " + id + " nests too deeply");
        Type t = resolve(id, where);
        return switch (t.kind()) {
            case INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC -> t.sizeOrType();
            case PTR -> 8;
            case ARRAY -> {
                long each = sizeOf(t.elementType(), where, depth + 1);
                if (t.length() != 0 && each > (1L << 32) / t.length()) throw new ElfException(where, 0, "BTF array " + id + " is too large");
                yield each * t.length();
            }
            case VAR -> sizeOf(t.sizeOrType(), where, depth + 1);
            default -> throw new ElfException(where, 0, "BTF type " + id + " (kind " + t.kind() + ") has no size");
        };
    }

    /** The id of the (first) named type of a kind, or -1. */
    public int find(String name, int kind) {
        java.util.Map<String, Integer> index = byName;
        if (index == null) {
            // built once: lookups per section or per program must not rescan every type
            index = new java.util.HashMap<>();
            for (Type t : types) index.putIfAbsent(t.kind() + ":" + t.name(), t.id());
            byName = index;
        }
        return index.getOrDefault(kind + ":" + name, -1);
    }

    private volatile java.util.Map<String, Integer> byName;
}
