package dev.bypass.programs;

import dev.bypass.vm.elf.Btf;
import dev.bypass.vm.elf.ElfException;
import dev.bypass.vm.elf.MapDefinition;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Map keys and values decoded through the object's BTF into JSON: integers as numbers (signed when BTF says so),
 * enums by name, {@code char} arrays as strings, structs as objects, arrays as arrays, global data sections as an
 * object of their variables. Anything it cannot decode (unions, bitfields) stays hex.
 */
public record BtfJson(Btf btf, MapDefinition def) {
    /** The BTF decoder for one of a loaded object's maps, or null when the map is not one the object defines. */
    public static BtfJson of(LoadedObject o, dev.bypass.vm.maps.BpfMap m) {
        int i = o.maps().indexOf(m);
        return i < 0 || i >= o.elf().maps().size() ? null : new BtfJson(o.elf().btf(), o.elf().maps().get(i));
    }

    /** The key as JSON, or null when BTF does not describe it. */
    public String key(byte[] b) { return def.keyTypeId() > 0 ? decode(def.keyTypeId(), b, 0, 0) : null; }

    /** The value as JSON, or null when BTF does not describe it. */
    public String value(byte[] b) {
        if (def.isGlobalData()) {
            if (def.variables().isEmpty()) return null;
            StringBuilder sb = new StringBuilder("{");
            for (MapDefinition.GlobalVariable v : def.variables()) {
                if (v.offset() + v.size() > b.length) continue;
                sb.append(sb.length() > 1 ? "," : "").append(quote(v.name())).append(':').append(decode(v.typeId(), b, (int) v.offset(), 0));
            }
            return sb.append('}').toString();
        }
        return def.valueTypeId() > 0 ? decode(def.valueTypeId(), b, 0, 0) : null;
    }

    /** A value of BTF type {@code typeId} at {@code off} of {@code b} as JSON ({@code "?"} where it does not fit). */
    public String decode(long typeId, byte[] b, int off) { return decode(typeId, b, off, 0); }

    private String decode(long typeId, byte[] b, int off, int depth) {
        try {
            return decodeChecked(typeId, b, off, depth);
        } catch (ElfException | IndexOutOfBoundsException e) {
            return quote("?");
        }
    }

    private String decodeChecked(long typeId, byte[] b, int off, int depth) {
        if (depth > 16) return quote("...");
        Btf.Type t = btf.resolve(typeId, "BTF");
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.kind()) {
            case Btf.INT, Btf.PTR, Btf.ENUM, Btf.ENUM64 -> {
                int size = t.kind() == Btf.PTR ? 8 : (int) t.sizeOrType();
                long v = switch (size) {
                    case 1 -> t.signed() ? buf.get(off) : buf.get(off) & 0xffL;
                    case 2 -> t.signed() ? buf.getShort(off) : buf.getShort(off) & 0xffffL;
                    case 4 -> t.signed() || t.kind() == Btf.ENUM ? buf.getInt(off) : buf.getInt(off) & 0xffffffffL;
                    case 8 -> buf.getLong(off);
                    default -> throw new IndexOutOfBoundsException();
                };
                if (t.kind() == Btf.ENUM || t.kind() == Btf.ENUM64)
                    for (Btf.Member m : t.members()) if (m.offset() == v) return quote(m.name());
                return t.signed() || t.kind() == Btf.ENUM ? Long.toString(v) : Long.toUnsignedString(v);
            }
            case Btf.ARRAY -> {
                Btf.Type elem = btf.resolve(t.elementType(), "BTF");
                long n = t.length();
                if (elem.kind() == Btf.INT && elem.sizeOrType() == 1 && elem.name().contains("char")) {
                    int len = 0;
                    while (len < n && b[off + len] != 0) len++;
                    return quote(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
                }
                long es = btf.sizeOf(t.elementType(), "BTF");
                StringBuilder sb = new StringBuilder("[");
                for (long i = 0; i < n && i < 4096; i++) sb.append(i > 0 ? "," : "").append(decodeChecked(t.elementType(), b, (int) (off + i * es), depth + 1));
                return sb.append(']').toString();
            }
            case Btf.STRUCT -> {
                StringBuilder sb = new StringBuilder("{");
                for (Btf.Member m : t.members()) {
                    if (m.size() != 0 || m.offset() % 8 != 0) continue; // bitfields stay in the hex form
                    sb.append(sb.length() > 1 ? "," : "").append(quote(m.name().isEmpty() ? "_" : m.name())).append(':')
                            .append(decodeChecked(m.type(), b, (int) (off + m.offset() / 8), depth + 1));
                }
                return sb.append('}').toString();
            }
            default -> {
                int size = (int) btf.sizeOf(typeId, "BTF");
                return quote(java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(b, off, off + size)));
            }
        }
    }

    /** A JSON string literal. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
