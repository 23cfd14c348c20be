package dev.bypass.observability.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.BtfJson;
import dev.bypass.vm.elf.Btf;
import dev.bypass.vm.elf.ElfLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record writer formats in place, byte for byte as the straightforward formatter it replaced (kept here as the
 * oracle: each member through {@link ByteBuffer} and {@code Long.toString}, or {@link BtfJson}, into a string), for
 * seeded random records of a struct with every kind of member, full and cut short, in JSON lines and CSV.
 */
class RecordWriterTest {
    @TempDir Path dir;

    static Btf btf(String object) throws Exception {
        try (var in = RecordWriterTest.class.getResourceAsStream("/bpf/" + object)) {
            return ElfLoader.load(in.readAllBytes()).btf();
        }
    }

    /** The formatter before: one String per record, built member by member. */
    static String oracle(Btf btf, String struct, RecordWriter.Format format, byte[] record) {
        BtfJson decoder = new BtfJson(btf, null);
        StringBuilder sb = new StringBuilder(format == RecordWriter.Format.JSONL ? "{" : "");
        boolean first = true;
        for (Btf.Member m : btf.type(btf.find(struct, Btf.STRUCT)).members()) {
            if (m.size() != 0 || m.offset() % 8 != 0) continue;
            Btf.Type t = btf.resolve(m.type(), "BTF");
            int size = (int) btf.sizeOf(m.type(), "BTF"), o = (int) (m.offset() / 8);
            if (o + size > record.length) break;
            String v;
            if (t.kind() == Btf.INT && (size == 1 || size == 2 || size == 4 || size == 8)) {
                ByteBuffer x = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
                boolean s = t.signed();
                v = switch (size) {
                    case 1 -> Long.toString(s ? record[o] : record[o] & 0xff);
                    case 2 -> Long.toString(s ? x.getShort(o) : x.getShort(o) & 0xffff);
                    case 4 -> Long.toString(s ? x.getInt(o) : x.getInt(o) & 0xffffffffL);
                    default -> s ? Long.toString(x.getLong(o)) : Long.toUnsignedString(x.getLong(o));
                };
            } else v = decoder.decode(m.type(), record, o);
            if (!first) sb.append(',');
            first = false;
            if (format == RecordWriter.Format.JSONL) sb.append(BtfJson.quote(m.name())).append(':').append(v);
            else sb.append(v.startsWith("\"") ? '"' + v.substring(1, v.length() - 1).replace("\"", "\"\"") + '"' : v.replace(",", ";"));
        }
        if (format == RecordWriter.Format.JSONL) sb.append('}');
        return sb.toString();
    }

    /** Random bytes, with the corner values of integers (0, -1, MIN, MAX) and text with quotes and commas mixed in. */
    static byte[] record(Random r, int size, int textAt) {
        byte[] b = new byte[size];
        switch (r.nextInt(4)) {
            case 0 -> r.nextBytes(b);
            case 1 -> java.util.Arrays.fill(b, (byte) 0xff);
            case 2 -> { for (int i = 0; i < size; i++) b[i] = (byte) (i % 8 == 7 ? 0x80 : 0); }
            default -> {
                r.nextBytes(b);
                String text = List.of("a,b", "say \"hi\"", "", "x\\y", "comma,,", "é").get(r.nextInt(6));
                byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                if (textAt + 12 <= size) {
                    System.arraycopy(t, 0, b, textAt, Math.min(t.length, 11));
                    b[textAt + Math.min(t.length, 11)] = 0;
                }
            }
        }
        return b;
    }

    @TestFactory Stream<DynamicTest> sameLinesAsTheFormatterBefore() throws Exception {
        Btf mixed = btf("records.o");
        int size = (int) mixed.sizeOf(mixed.find("mixed", Btf.STRUCT), "BTF");
        int nameAt = (int) (mixed.type(mixed.find("mixed", Btf.STRUCT)).members().stream().filter(m -> m.name().equals("name"))
                .findFirst().orElseThrow().offset() / 8);
        List<DynamicTest> tests = new ArrayList<>();
        for (RecordWriter.Format format : RecordWriter.Format.values())
            for (long seed = 1; seed <= 4; seed++) {
                long s = seed;
                tests.add(DynamicTest.dynamicTest(format + " seed " + seed, () -> {
                    Random r = new Random(s);
                    Path file = dir.resolve("records-" + format + "-" + s);
                    List<String> expected = new ArrayList<>();
                    if (format == RecordWriter.Format.CSV)
                        expected.add("tiny,small,shorty,ushort,medium,umedium,big,ubig,name,pair,inner");
                    try (RecordWriter w = new RecordWriter(mixed, "mixed", format, file)) {
                        for (int i = 0; i < 500; i++) {
                            // some records cut short (a ring record shorter than the struct), some flushed mid-way
                            byte[] rec = record(r, r.nextInt(10) == 0 ? r.nextInt(size) : size, nameAt);
                            expected.add(oracle(mixed, "mixed", format, rec));
                            w.write(rec);
                            if (r.nextInt(50) == 0) w.flush();
                        }
                        assertEquals(500, w.written());
                    }
                    assertEquals(expected, Files.readAllLines(file), "seed " + s);
                }));
            }
        return tests.stream();
    }

    @TestFactory Stream<DynamicTest> queryFeaturesAsBefore() throws Exception {
        Btf telemetry;
        try (var in = RecordWriterTest.class.getResourceAsStream("/dev/bypass/observability/bpf/query_telemetry.o")) {
            telemetry = ElfLoader.load(in.readAllBytes()).btf();
        }
        return Stream.of(RecordWriter.Format.values()).map(format -> DynamicTest.dynamicTest(format.toString(), () -> {
            Random r = new Random(42);
            Path file = dir.resolve("features." + format);
            List<String> expected = new ArrayList<>();
            if (format == RecordWriter.Format.CSV) expected.add("fingerprint,latency_ns,rows,thread_id");
            try (RecordWriter w = new RecordWriter(telemetry, "query_features", format, file)) {
                for (int i = 0; i < 1000; i++) {
                    byte[] rec = record(r, 32, 32);
                    expected.add(oracle(telemetry, "query_features", format, rec));
                    w.write(rec);
                }
            }
            assertEquals(expected, Files.readAllLines(file));
        }));
    }
}
