package dev.bypass.txnstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link CommitLog} may do to the store it serves: install commits decided on another replica, make its own
 * appended commits visible once durable, take a checkpoint of the durable state, and drop everything not durable by
 * reloading the newest checkpoint (a former leader whose last commits never reached a majority).
 */
public final class Replica {
    private final Store store;

    Replica(Store store) { this.store = store; }

    public Store store() { return store; }

    /** Installs a commit record made by another replica's store and makes it visible; returns its timestamp. */
    public long apply(byte[] record) { return store.applyRecord(record); }

    /** Makes this store's own appended commits up to timestamp {@code ts} visible: the log holds them durably. */
    public void publish(long ts) { store.publishDurable(ts); }

    /** The commit timestamp carried by a record. */
    public static long timestampOf(byte[] record) {
        return ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getLong(Frames.HEADER);
    }

    /** Newest durable (visible) commit timestamp. */
    public long durableTimestamp() { return store.lastCommitTimestamp(); }

    /** True when commits were installed that are not durable yet. */
    public boolean hasUndurable() { return store.hasUndurable(); }

    /** Writes a checkpoint of the durable state (the visible timestamp) into the store's directory. */
    public CheckpointResult checkpoint() { return store.checkpoint(); }

    /**
     * Drops every commit, durable or not, and loads the newest checkpoint in the store's directory; new transactions
     * wait meanwhile and the call waits for open ones to end. Returns the checkpoint's timestamp.
     */
    public long reload() {
        try {
            return store.reload();
        } catch (IOException e) {
            throw new StoreException("reloading the store from its checkpoint failed: " + e.getMessage(), e);
        }
    }

    /** The store's checkpoint files, newest first. */
    public List<Path> checkpoints() {
        try {
            return Checkpoints.list(store.options().directory());
        } catch (IOException e) {
            throw new StoreException("listing checkpoints: " + e.getMessage(), e);
        }
    }

    /** The timestamp a checkpoint file holds the snapshot of. */
    public static long checkpointTimestamp(Path file) {
        try {
            return Checkpoints.read(file, (ts, t, k, v) -> {}).ts();
        } catch (IOException e) {
            throw new StoreException("reading checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a record into its changes; the frame's CRC must match. */
    static Decoded decode(byte[] record) {
        ByteBuffer b = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        if (record.length < Frames.HEADER + 12 || b.getInt(0) != Wal.MAGIC || b.getInt(4) != record.length - Frames.HEADER
                || Frames.crc(record.length - Frames.HEADER, record, Frames.HEADER, record.length - Frames.HEADER) != b.getInt(8))
            throw new StoreCorruptedException("replicated commit record is damaged (" + record.length + " bytes)");
        b.position(Frames.HEADER);
        long ts = b.getLong();
        int n = b.getInt();
        List<String> tables = new ArrayList<>(n);
        List<byte[]> keys = new ArrayList<>(n), values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = b.get();
            tables.add(Bytes.str(field(b)));
            keys.add(field(b));
            values.add(kind == Wal.PUT ? field(b) : null);
        }
        return new Decoded(ts, tables, keys, values);
    }

    private static byte[] field(ByteBuffer b) {
        byte[] out = new byte[b.getInt()];
        b.get(out);
        return out;
    }

    record Decoded(long ts, List<String> tables, List<byte[]> keys, List<byte[]> values) {}
}
