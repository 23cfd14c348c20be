package dev.bypass.observability.metrics;

import dev.bypass.programs.BtfJson;
import dev.bypass.vm.elf.Btf;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes ring-buffer records as training data, decoded through a BTF struct type of the object that emits them:
 * JSON lines (one object per record, members by name) or CSV (a header of member names, then one row per record).
 * Thread-safe; records shorter than the struct are written with the members that fit.
 */
public final class RecordWriter implements AutoCloseable {
    public enum Format { JSONL, CSV;
        public static Format of(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "jsonl", "json" -> JSONL;
                case "csv" -> CSV;
                default -> throw new IllegalArgumentException("unknown record format " + s + " (expected jsonl or csv)");
            };
        }
    }

    /** A top-level member; {@code intSize} > 0 for plain integers, written without going through the JSON decoder. */
    private record Member(String name, int typeId, int offset, int size, int intSize, boolean signed) {}

    private final BtfJson decoder;
    private final List<Member> members = new ArrayList<>();
    private final Format format;
    private final BufferedWriter out;
    private long written;

    /** Opens {@code file} for records of the BTF struct named {@code structName}; fails naming the struct if absent. */
    public RecordWriter(Btf btf, String structName, Format format, Path file) throws IOException {
        int id = btf.find(structName, Btf.STRUCT);
        if (id <= 0) throw new IllegalArgumentException("no struct " + structName + " in the object's BTF");
        for (Btf.Member m : btf.type(id).members()) {
            if (m.size() != 0 || m.offset() % 8 != 0) continue;
            Btf.Type t = btf.resolve(m.type(), "BTF");
            int size = (int) btf.sizeOf(m.type(), "BTF");
            boolean plainInt = t.kind() == Btf.INT && (size == 1 || size == 2 || size == 4 || size == 8);
            members.add(new Member(m.name(), m.type(), (int) (m.offset() / 8), size, plainInt ? size : 0, plainInt && t.signed()));
        }
        this.decoder = new BtfJson(btf, null);
        this.format = format;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        if (format == Format.CSV) {
            out.write(String.join(",", members.stream().map(Member::name).toList()));
            out.newLine();
        }
    }

    public synchronized void write(byte[] record) {
        try {
            StringBuilder sb = new StringBuilder(format == Format.JSONL ? "{" : "");
            boolean first = true;
            for (Member m : members) {
                if (m.offset() + m.size() > record.length) break;
                String v = m.intSize() > 0 ? integer(record, m) : decoder.decode(m.typeId(), record, m.offset());
                if (!first) sb.append(',');
                first = false;
                if (format == Format.JSONL) sb.append(BtfJson.quote(m.name())).append(':').append(v);
                else sb.append(v.startsWith("\"") ? '"' + v.substring(1, v.length() - 1).replace("\"", "\"\"") + '"' : v.replace(",", ";"));
            }
            if (format == Format.JSONL) sb.append('}');
            out.write(sb.toString());
            out.newLine();
            written++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String integer(byte[] b, Member m) {
        java.nio.ByteBuffer x = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int o = m.offset();
        return switch (m.intSize()) {
            case 1 -> Long.toString(m.signed() ? b[o] : b[o] & 0xff);
            case 2 -> Long.toString(m.signed() ? x.getShort(o) : x.getShort(o) & 0xffff);
            case 4 -> Long.toString(m.signed() ? x.getInt(o) : x.getInt(o) & 0xffffffffL);
            default -> m.signed() ? Long.toString(x.getLong(o)) : Long.toUnsignedString(x.getLong(o));
        };
    }

    public synchronized long written() { return written; }

    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public synchronized void close() throws IOException { out.close(); }
}
