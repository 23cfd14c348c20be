package dev.bypass.txnstore;

import java.io.BufferedOutputStream;
import java.io.IOException;
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
            long unsynced = 0;
            for (Table t : tables) {
                byte[] name = Bytes.of(t.name());
                for (Map.Entry<byte[], Record> e : t.records.entrySet()) {
                    Version h = e.getValue().head;
                    Version v = h == null ? null : h.visibleAt(ts);
                    if (v == null || v.value == null) continue;
                    unsynced += writeEntry(out, o, crc, name, e.getKey(), v.value);
                    count++;
                    if (unsynced >= SYNC_EVERY) {
                        out.flush();
                        ch.force(false);
                        unsynced = 0;
                    }
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

    /**
     * Bytes of a checkpoint written between syncs of its file. Synced as it goes, the file never holds much unwritten
     * data: one sync of the whole snapshot at the end would make the file system's journal commit write it all at
     * once, and the log's appends (which update the log file's size, so they join the journal) would wait behind it.
     */
    static final long SYNC_EVERY = 8 << 20;

    /** One entry frame; the value is written from its own array (never copied into the frame buffer). Returns its size. */
    private static long writeEntry(OutputStream out, Frames.Out o, java.util.zip.CRC32C crc, byte[] table, byte[] key, byte[] value) throws IOException {
        o.len = Frames.HEADER;
        o.u8(ENTRY).bytes(table).bytes(key).i32(value.length);
        int payload = o.len - Frames.HEADER + value.length;
        crc.reset();
        Frames.updateLength(crc, payload);
        crc.update(o.buf, Frames.HEADER, o.len - Frames.HEADER);
        crc.update(value);
        o.putInt(0, MAGIC);
        o.putInt(4, payload);
        o.putInt(8, (int) crc.getValue());
        out.write(o.buf, 0, o.len);
        for (int off = 0; off < value.length; off += Frames.IO_SLICE) out.write(value, off, Math.min(Frames.IO_SLICE, value.length - off));
        return (long) o.len + value.length;
    }

    interface Sink {
        void entry(long ts, String table, byte[] key, byte[] value);
    }

    /** Reads a checkpoint into {@code sink}; damage throws {@link StoreCorruptedException} naming file and offset. */
    static Info read(Path file, Sink sink) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size(), offset = 0;
            ByteBuffer header = ByteBuffer.allocate(Frames.HEADER).order(ByteOrder.LITTLE_ENDIAN);
            Frames.In p = new Frames.In(ch, ByteBuffer.allocate(1 << 16));
            long ts = -1, first = -1, count = 0;
            while (true) {
                if (size - offset < Frames.HEADER) throw corrupt(file, offset, "ends without its end frame (truncated)");
                header.clear();
                while (header.hasRemaining()) ch.read(header, offset + header.position());
                int magic = header.getInt(0), len = header.getInt(4), crc = header.getInt(8);
                if (magic != MAGIC) throw corrupt(file, offset, "bad frame magic 0x" + Integer.toHexString(magic));
                if (len < 1 || len > Frames.MAX_PAYLOAD) throw corrupt(file, offset, "implausible frame length " + len);
                if (size - offset - Frames.HEADER < len) throw corrupt(file, offset, "truncated frame");
                p.start(offset + Frames.HEADER, len);
                try {
                    int kind = p.u8();
                    if (ts < 0 && kind != HEADER) throw corrupt(file, offset, "missing header frame");
                    switch (kind) {
                        case HEADER -> {
                            int format = p.i32();
                            if (format != FORMAT) throw corrupt(file, offset, "unknown checkpoint format " + format);
                            ts = p.i64();
                            first = p.i64();
                            if (!p.finish(crc)) throw corrupt(file, offset, "checksum mismatch");
                        }
                        case ENTRY -> {
                            byte[] table = p.bytes(), key = p.bytes(), value = p.bytes();
                            if (!p.finish(crc)) throw corrupt(file, offset, "checksum mismatch");
                            sink.entry(ts, Bytes.str(table), key, value);
                            count++;
                        }
                        case END -> {
                            long expected = p.i64();
                            if (!p.finish(crc)) throw corrupt(file, offset, "checksum mismatch");
                            if (expected != count) throw corrupt(file, offset, "end frame counts " + expected + " entries, file has " + count);
                            if (offset + Frames.HEADER + len != size) throw corrupt(file, offset + Frames.HEADER + len, "data after the end frame");
                            return new Info(file, ts, first);
                        }
                        default -> {
                            if (!p.finish(crc)) throw corrupt(file, offset, "checksum mismatch");
                            throw corrupt(file, offset, "unknown frame kind " + kind);
                        }
                    }
                } catch (IllegalArgumentException | java.io.EOFException e) {
                    if (!p.finish(crc)) throw corrupt(file, offset, "checksum mismatch");
                    throw corrupt(file, offset, "malformed frame: " + e.getMessage());
                }
                offset += Frames.HEADER + len;
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
