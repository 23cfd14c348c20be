package dev.bypass.txnstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening a durable store: load the newest readable checkpoint (a damaged one is reported and an older one used,
 * with a longer replay), then replay every log record newer than it, in segment order. A damaged frame with no
 * valid frame after it in the last segment is a torn tail — the write the crash interrupted, never acknowledged
 * — and is cut; damage anywhere else would lose acknowledged commits, so recovery stops with
 * {@link StoreCorruptedException} naming the file and offset.
 */
final class Recovery {
    private final Path dir;
    private final Store store;
    private long nextSegment = 1;

    Recovery(Path dir, Store store) {
        this.dir = dir;
        this.store = store;
    }

    long nextSegment() { return nextSegment; }

    RecoveryReport run() throws IOException {
        List<String> warnings = new ArrayList<>();
        List<Long> segments = Wal.segments(dir);
        Checkpoints.Info used = null;
        long entries = 0;
        List<String> damaged = new ArrayList<>();
        for (Path p : Checkpoints.list(dir)) {
            clearTables();
            long[] n = {0};
            try {
                used = Checkpoints.read(p, (ts, t, k, v) -> {
                    store.tableForReplay(t).insert(k, new Record(new Version(ts, v, null)));
                    n[0]++;
                });
                entries = n[0];
                break;
            } catch (StoreCorruptedException e) {
                damaged.add(e.getMessage());
                warnings.add(e.getMessage() + "; recovering from an older checkpoint and a longer log replay instead");
            }
        }
        if (used == null) clearTables();
        long from = used == null ? 1 : used.firstSegment();
        long snapshot = used == null ? 0 : used.ts();
        if (used == null && !damaged.isEmpty() && (segments.isEmpty() || segments.getFirst() != 1))
            throw new StoreCorruptedException("no readable checkpoint in " + dir + " and the log no longer starts at its first segment: "
                    + String.join("; ", damaged));
        List<Long> replay = segments.stream().filter(id -> id >= from).toList();
        for (int i = 1; i < replay.size(); i++)
            if (replay.get(i) != replay.get(i - 1) + 1)
                throw new StoreCorruptedException("log segment " + Wal.segmentPath(dir, replay.get(i - 1) + 1) + " is missing");
        if (!replay.isEmpty() && replay.getFirst() != from && used != null)
            throw new StoreCorruptedException("log segment " + Wal.segmentPath(dir, from) + " needed after checkpoint "
                    + used.file() + " is missing");
        long last = snapshot, records = 0;
        java.nio.ByteBuffer scratch = java.nio.ByteBuffer.allocate(1 << 16);
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(Frames.HEADER).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        List<Wal.Op> ops = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < replay.size(); i++) {
            Path seg = Wal.segmentPath(dir, replay.get(i));
            try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long size = ch.size(), off = 0;
                Frames.In in = new Frames.In(ch, scratch);
                while (off < size) {
                    String why = null;
                    int len = 0;
                    if (size - off < Frames.HEADER) why = "truncated frame header (" + (size - off) + " of " + Frames.HEADER + " bytes)";
                    else {
                        header.clear();
                        while (header.hasRemaining()) ch.read(header, off + header.position());
                        int magic = header.getInt(0), crc = header.getInt(8);
                        len = header.getInt(4);
                        if (magic != Wal.MAGIC) why = "bad frame magic 0x" + Integer.toHexString(magic);
                        else if (len < 0 || len > Frames.MAX_PAYLOAD) why = "implausible frame length " + len;
                        else if (size - off - Frames.HEADER < len) why = "truncated frame (" + (size - off - Frames.HEADER) + " of " + len + " payload bytes)";
                        else why = readRecord(in.start(off + Frames.HEADER, len), crc, ops, names, seg, off);
                    }
                    if (why != null) {
                        long next = Frames.nextValid(ch, size, off, Wal.MAGIC);
                        boolean laterData = false;
                        for (int j = i + 1; j < replay.size(); j++)
                            if (Files.size(Wal.segmentPath(dir, replay.get(j))) > 0) laterData = true;
                        if (next >= 0 || laterData)
                            throw new StoreCorruptedException("log " + seg + " is damaged at offset " + off + " (" + why + ") and valid records follow "
                                    + (next >= 0 ? "at offset " + next : "in later segments")
                                    + ": this is not a torn tail, and cutting it would lose acknowledged commits");
                        ch.truncate(off);
                        ch.force(true);
                        warnings.add("log " + seg + ": cut a torn tail of " + (size - off) + " bytes at offset " + off + " (" + why + ")");
                        break;
                    }
                    long ts = recordTs;
                    if (ts <= last && ts > snapshot)
                        throw new StoreCorruptedException("log " + seg + " at offset " + off + ": timestamp " + ts + " does not follow " + last);
                    if (ts > snapshot) {
                        for (int k = 0; k < ops.size(); k++) {
                            Wal.Op op = ops.get(k);
                            Table t = store.tableForReplay(names.get(k));
                            if (op.value() != null) t.insert(op.key(), new Record(new Version(ts, op.value(), null)));
                            else t.remove(op.key());
                        }
                        last = ts;
                        records++;
                    }
                    off += Frames.HEADER + len;
                }
            }
        }
        long bytes = 0;
        for (Table t : store.tables())
            for (var e : t.records.entrySet()) bytes += Version.recordOverhead(e.getKey()) + e.getValue().head.chainBytes();
        store.accountRecovered(bytes);
        long maxSeg = segments.isEmpty() ? 0 : segments.getLast();
        nextSegment = Math.max(Math.max(maxSeg + 1, from), 1);
        return new RecoveryReport(used == null ? null : used.file().toString(), snapshot, entries, records, last, warnings);
    }

    private long recordTs;

    /**
     * Parses one log record into {@code ops} (and {@link #recordTs}); returns why the frame is damaged, or null.
     * Nothing is applied before the whole frame's CRC matched.
     */
    private String readRecord(Frames.In in, int crc, List<Wal.Op> ops, List<String> names, Path seg, long off) throws IOException {
        ops.clear();
        names.clear();
        String malformed = null;
        try {
            recordTs = in.i64();
            int n = in.i32();
            if (n < 0) throw new IllegalArgumentException("negative operation count " + n);
            for (int k = 0; k < n; k++) {
                int kind = in.u8();
                if (kind != Wal.PUT && kind != Wal.DELETE) throw new IllegalArgumentException("unknown operation kind " + kind);
                names.add(Bytes.str(in.bytes())); // tables are created only once the CRC matched
                byte[] key = in.bytes();
                ops.add(new Wal.Op(null, key, kind == Wal.PUT ? in.bytes() : null));
            }
            if (!in.done()) throw new IllegalArgumentException("bytes left after the last operation");
        } catch (IllegalArgumentException e) {
            malformed = e.getMessage();
        } catch (java.io.EOFException e) {
            return "truncated frame";
        }
        if (!in.finish(crc)) {
            ops.clear();
            return "checksum mismatch";
        }
        if (malformed != null) throw new StoreCorruptedException("log " + seg + " at offset " + off + ": malformed record (" + malformed + ")");
        return null;
    }

    private void clearTables() {
        for (Table t : store.tables()) t.clear();
    }
}
