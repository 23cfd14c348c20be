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
        for (int i = 0; i < replay.size(); i++) {
            Path seg = Wal.segmentPath(dir, replay.get(i));
            byte[] bytes = Files.readAllBytes(seg);
            int off = 0;
            while (off < bytes.length) {
                String why = Frames.check(bytes, off, Wal.MAGIC);
                if (why != null) {
                    int next = Frames.nextValid(bytes, off, Wal.MAGIC);
                    boolean laterData = false;
                    for (int j = i + 1; j < replay.size(); j++)
                        if (Files.size(Wal.segmentPath(dir, replay.get(j))) > 0) laterData = true;
                    if (next >= 0 || laterData)
                        throw new StoreCorruptedException("log " + seg + " is damaged at offset " + off + " (" + why + ") and valid records follow "
                                + (next >= 0 ? "at offset " + next : "in later segments")
                                + ": this is not a torn tail, and cutting it would lose acknowledged commits");
                    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
                        ch.truncate(off);
                        ch.force(true);
                    }
                    warnings.add("log " + seg + ": cut a torn tail of " + (bytes.length - off) + " bytes at offset " + off + " (" + why + ")");
                    break;
                }
                int len = Frames.payloadLength(bytes, off);
                Frames.In in = new Frames.In(bytes, off + Frames.HEADER, len);
                try {
                    long ts = in.i64();
                    int n = in.i32();
                    if (ts <= last && ts > snapshot)
                        throw new StoreCorruptedException("log " + seg + " at offset " + off + ": timestamp " + ts + " does not follow " + last);
                    if (ts > snapshot) {
                        for (int k = 0; k < n; k++) {
                            int kind = in.u8();
                            Table t = store.tableForReplay(Bytes.str(in.bytes()));
                            byte[] key = in.bytes();
                            if (kind == Wal.PUT) t.insert(key, new Record(new Version(ts, in.bytes(), null)));
                            else if (kind == Wal.DELETE) t.remove(key);
                            else throw new IllegalArgumentException("unknown operation kind " + kind);
                        }
                        last = ts;
                        records++;
                    }
                } catch (RuntimeException e) {
                    if (e instanceof StoreCorruptedException) throw e;
                    throw new StoreCorruptedException("log " + seg + " at offset " + off + ": malformed record (" + e.getMessage() + ")");
                }
                off += Frames.HEADER + len;
            }
        }
        long maxSeg = segments.isEmpty() ? 0 : segments.getLast();
        nextSegment = Math.max(Math.max(maxSeg + 1, from), 1);
        return new RecoveryReport(used == null ? null : used.file().toString(), snapshot, entries, records, last, warnings);
    }

    private void clearTables() {
        for (Table t : store.tables()) t.clear();
    }
}
