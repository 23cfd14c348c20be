package dev.bypass.txnstore;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checkpoint files {@code ckpt-TS.ckpt}: a header frame (snapshot timestamp, first log segment to replay), one
 * frame per live key (table, key, value) and an end frame with the entry count, all CRC'd like log frames. A
 * checkpoint is written to a {@code .tmp} file, fsync'd and renamed, so a file with the final name is complete
 * unless the disk damaged it.
 */
final class Checkpoints {
    private Checkpoints() {}

    static final int MAGIC = 0x4b434242; // "BBCK"
    private static final int HEADER = 'H', ENTRY = 'E', END = 'Z';
    private static final int FORMAT = 1;

    record Info(Path file, long ts, long firstSegment) {}

    static Path path(Path dir, long ts) { return dir.resolve(String.format("ckpt-%016d.ckpt", ts)); }

    /** Checkpoint files in {@code dir}, newest first; removes leftover temporary files of interrupted checkpoints. */
    static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("ckpt-") && n.endsWith(".ckpt")) out.add(p);
                else if (n.startsWith("ckpt-") && n.endsWith(".tmp")) Files.deleteIfExists(p);
            }
        }
        out.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return out;
    }

    /** Writes the snapshot at {@code ts}; returns the number of entries. */
    static long write(Path dir, long ts, long firstSegment, Iterable<Table> tables) throws IOException {
        Path tmp = dir.resolve(String.format("ckpt-%016d.tmp", ts));
        long count = 0;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
             OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
            out.write(new Frames.Out().u8(HEADER).i32(FORMAT).i64(ts).i64(firstSegment).frame(MAGIC));
            Frames.Out o = new Frames.Out();
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            byte[] header = new byte[Frames.HEADER];
            for (Table t : tables) {
                byte[] name = Bytes.of(t.name());
                for (Map.Entry<byte[], Record> e : t.records.entrySet()) {
                    Version h = e.getValue().head;
                    Version v = h == null ? null : h.visibleAt(ts);
                    if (v == null || v.value == null) continue;
                    o.len = 0;
                    o.u8(ENTRY).bytes(name).bytes(e.getKey()).bytes(v.value);
                    o.writeFrame(out, MAGIC, crc, header);
                    count++;
                }
            }
            out.write(new Frames.Out().u8(END).i64(count).frame(MAGIC));
            out.flush();
            ch.force(true);
        }
        Files.move(tmp, path(dir, ts), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
        return count;
    }

    interface Sink {
        void entry(long ts, String table, byte[] key, byte[] value);
    }

    /** Reads a checkpoint into {@code sink}; damage throws {@link StoreCorruptedException} naming file and offset. */
    static Info read(Path file, Sink sink) throws IOException {
        long offset = 0;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream in = new DataInputStream(raw)) {
            byte[] header = new byte[Frames.HEADER];
            long ts = -1, first = -1, count = 0;
            while (true) {
                byte[] frame;
                try {
                    in.readFully(header);
                } catch (EOFException e) {
                    throw corrupt(file, offset, "ends without its end frame (truncated)");
                }
                ByteBuffer hb = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
                int magic = hb.getInt(), len = hb.getInt();
                if (magic != MAGIC) throw corrupt(file, offset, "bad frame magic 0x" + Integer.toHexString(magic));
                if (len < 1 || len > Frames.MAX_PAYLOAD) throw corrupt(file, offset, "implausible frame length " + len);
                frame = new byte[Frames.HEADER + len];
                System.arraycopy(header, 0, frame, 0, Frames.HEADER);
                try {
                    in.readFully(frame, Frames.HEADER, len);
                } catch (EOFException e) {
                    throw corrupt(file, offset, "truncated frame");
                }
                String why = Frames.check(frame, 0, MAGIC);
                if (why != null) throw corrupt(file, offset, why);
                Frames.In p = new Frames.In(frame, Frames.HEADER, len);
                try {
                    int kind = p.u8();
                    if (ts < 0 && kind != HEADER) throw corrupt(file, offset, "missing header frame");
                    switch (kind) {
                        case HEADER -> {
                            int format = p.i32();
                            if (format != FORMAT) throw corrupt(file, offset, "unknown checkpoint format " + format);
                            ts = p.i64();
                            first = p.i64();
                        }
                        case ENTRY -> {
                            String table = Bytes.str(p.bytes());
                            byte[] key = p.bytes(), value = p.bytes();
                            sink.entry(ts, table, key, value);
                            count++;
                        }
                        case END -> {
                            long expected = p.i64();
                            if (expected != count) throw corrupt(file, offset, "end frame counts " + expected + " entries, file has " + count);
                            if (in.read() != -1) throw corrupt(file, offset + frame.length, "data after the end frame");
                            return new Info(file, ts, first);
                        }
                        default -> throw corrupt(file, offset, "unknown frame kind " + kind);
                    }
                } catch (RuntimeException e) {
                    if (e instanceof StoreCorruptedException) throw e;
                    throw corrupt(file, offset, "malformed frame: " + e.getMessage());
                }
                offset += frame.length;
            }
        }
    }

    private static StoreCorruptedException corrupt(Path file, long offset, String why) {
        return new StoreCorruptedException("checkpoint " + file + " is damaged at offset " + offset + ": " + why);
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename is then as durable as they make it
        }
    }
}
