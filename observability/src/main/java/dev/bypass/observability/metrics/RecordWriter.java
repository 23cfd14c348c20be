package dev.bypass.observability.metrics;

import dev.bypass.programs.BtfJson;
import dev.bypass.vm.elf.Btf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Writes ring-buffer records as training data, decoded through a BTF struct type of the object that emits them:
 * JSON lines (one object per record, members by name) or CSV (a header of member names, then one row per record).
 * Records shorter than the struct are written with the members that fit.
 *
 * <p>Made for a collector thread taking records in batches: the member layout is worked out once, integer members
 * are formatted straight into a reusable byte buffer (other members go through {@link BtfJson}), and the buffer
 * reaches the file when it fills or on {@link #flush()}, one write per batch. Not thread-safe: one thread writes
 * (see {@link RecordStream}).
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

    /**
     * A top-level member; {@code intSize} > 0 for plain integers, formatted here without the JSON decoder.
     * {@code prefix} is what precedes its value on a line: the separator and, in JSON, the quoted name.
     */
    private record Member(String name, int typeId, int offset, int size, int intSize, boolean signed, byte[] prefix) {}

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int FLUSH_AT = 1 << 16;

    private final BtfJson decoder;
    private final List<Member> members = new ArrayList<>();
    private final Format format;
    private final FileChannel out;
    private byte[] buf = new byte[FLUSH_AT + 4096];
    private ByteBuffer view = ByteBuffer.wrap(buf);
    private int len;
    private long written;

    /** Opens {@code file} for records of the BTF struct named {@code structName}; fails naming the struct if absent. */
    public RecordWriter(Btf btf, String structName, Format format, Path file) throws IOException {
        int id = btf.find(structName, Btf.STRUCT);
        if (id <= 0) throw new IllegalArgumentException("no struct " + structName + " in the object's BTF");
        this.format = format;
        for (Btf.Member m : btf.type(id).members()) {
            if (m.size() != 0 || m.offset() % 8 != 0) continue;
            Btf.Type t = btf.resolve(m.type(), "BTF");
            int size = (int) btf.sizeOf(m.type(), "BTF");
            boolean plainInt = t.kind() == Btf.INT && (size == 1 || size == 2 || size == 4 || size == 8);
            String sep = members.isEmpty() ? (format == Format.JSONL ? "{" : "") : ",";
            String prefix = format == Format.JSONL ? sep + BtfJson.quote(m.name()) + ":" : sep;
            members.add(new Member(m.name(), m.type(), (int) (m.offset() / 8), size, plainInt ? size : 0, plainInt && t.signed(),
                    prefix.getBytes(StandardCharsets.UTF_8)));
        }
        this.decoder = new BtfJson(btf, null);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        this.out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        if (format == Format.CSV) {
            append((String.join(",", members.stream().map(Member::name).toList()) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Adds one record (its line reaches the file by the next {@link #flush()} at the latest). */
    public void write(byte[] record) { write(record, record.length); }

    /** Adds the record in the first {@code length} bytes of {@code record} (a buffer its caller reuses). */
    public void write(byte[] record, int length) {
        if (len > FLUSH_AT) flush();
        boolean any = false;
        for (Member m : members) {
            if (m.offset() + m.size() > length) break;
            any = true;
            append(m.prefix());
            if (m.intSize() > 0) integer(record, m);
            else text(decoder.decode(m.typeId(), record, m.offset()));
        }
        ensure(3);
        if (format == Format.JSONL) {
            if (!any) buf[len++] = '{';
            buf[len++] = '}';
        }
        buf[len++] = '\n';
        written++;
    }

    private void integer(byte[] b, Member m) {
        int o = m.offset();
        long v = switch (m.intSize()) {
            case 1 -> m.signed() ? b[o] : b[o] & 0xff;
            case 2 -> m.signed() ? (short) I16.get(b, o) : (short) I16.get(b, o) & 0xffff;
            case 4 -> m.signed() ? (int) I32.get(b, o) : (int) I32.get(b, o) & 0xffffffffL;
            default -> (long) I64.get(b, o);
        };
        ensure(20);
        if (v >= 0) digits(v);
        else if (!m.signed()) { // 2^63 and above: split off the last digit so the rest is a positive long
            digits(Long.divideUnsigned(v, 10));
            buf[len++] = (byte) ('0' + Long.remainderUnsigned(v, 10));
        } else { // the same split avoids negating Long.MIN_VALUE
            buf[len++] = '-';
            if (v <= -10) digits(-(v / 10));
            buf[len++] = (byte) ('0' - v % 10);
        }
    }

    /** "00" to "99": two digits per division. */
    private static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** Writes {@code v} (not negative) in decimal, in place, from the last digit back. */
    private void digits(long v) {
        int n = 1;
        for (long x = v; x >= 10; x /= 10) n++;
        int i = len + n;
        while (v >= 100) {
            int pair = (int) (v % 100);
            v /= 100;
            buf[--i] = PAIRS[2 * pair + 1];
            buf[--i] = PAIRS[2 * pair];
        }
        if (v >= 10) {
            buf[--i] = PAIRS[2 * (int) v + 1];
            buf[--i] = PAIRS[2 * (int) v];
        } else buf[--i] = (byte) ('0' + v);
        len += n;
    }

    /** Bytes waiting in the buffer for the next {@link #flush()}. */
    public int buffered() { return len; }

    /** A member decoded as JSON; in CSV, strings keep their quotes with inner quotes doubled and commas become ';'. */
    private void text(String json) {
        String v = format == Format.JSONL ? json
                : json.startsWith("\"") ? '"' + json.substring(1, json.length() - 1).replace("\"", "\"\"") + '"' : json.replace(",", ";");
        append(v.getBytes(StandardCharsets.UTF_8));
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            view = ByteBuffer.wrap(buf);
        }
    }

    private void append(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    /** Records written so far. */
    public long written() { return written; }

    /** Writes what the buffer holds to the file. */
    public void flush() {
        try {
            view.limit(len).position(0);
            while (view.hasRemaining()) out.write(view);
            len = 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
