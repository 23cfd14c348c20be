package dev.bypass.replication;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The state machine's entries in the Raft log, one sealed type per kind: committed transactions' records as the
 * leader's store wrote them (several per entry: one Raft round carries every commit made while the previous one was
 * under way), or a replica announcing where it serves RESP (so followers know where to relay).
 */
sealed interface LogEntries {
    byte COMMIT = 1, ADDRESS = 2;

    /**
     * Commit records from the store of {@code proposer} (a random id per process), in commit order: its appends
     * {@code firstTicket} to {@code firstTicket + records.size() - 1}.
     */
    record Commit(long proposer, long firstTicket, List<byte[]> records) implements LogEntries {
        public Commit {
            records = List.copyOf(records);
            if (records.isEmpty()) throw new IllegalArgumentException("a commit entry holds at least one record");
        }

        long lastTicket() { return firstTicket + records.size() - 1; }
    }

    /** Replica {@code peer} serves RESP at {@code host:port}. */
    record Address(String peer, String address) implements LogEntries {}

    static ByteString encode(LogEntries e) {
        return switch (e) {
            case Commit c -> {
                int size = 21;
                for (byte[] r : c.records()) size += 4 + r.length;
                ByteBuffer b = ByteBuffer.allocate(size);
                b.put(COMMIT).putLong(c.proposer()).putLong(c.firstTicket()).putInt(c.records().size());
                for (byte[] r : c.records()) b.putInt(r.length).put(r);
                yield UnsafeByteOperations.unsafeWrap(b.array());
            }
            case Address a -> ByteString.copyFrom(ByteBuffer.allocate(1).put(ADDRESS).array())
                    .concat(ByteString.copyFromUtf8(a.peer() + " " + a.address()));
        };
    }

    /** The kind byte of an encoded entry (COMMIT, ADDRESS, ...), or -1 for an empty one; reads nothing else. */
    static byte kind(ByteString data) { return data.isEmpty() ? -1 : data.byteAt(0); }

    /**
     * True when {@code data} is a commit entry of {@code proposer} starting at ticket {@code firstTicket}: read from
     * its header only, so the leader recognises its own entries without copying their records.
     */
    static boolean isCommitOf(ByteString data, long proposer, long firstTicket) {
        if (data.size() < 21 || data.byteAt(0) != COMMIT) return false;
        ByteBuffer b = data.substring(1, 17).asReadOnlyByteBuffer();
        return b.getLong() == proposer && b.getLong() == firstTicket;
    }

    static LogEntries decode(ByteString data) {
        if (data.isEmpty()) throw new IllegalArgumentException("empty log entry");
        ByteBuffer b = data.asReadOnlyByteBuffer();
        byte kind = b.get();
        return switch (kind) {
            case COMMIT -> {
                if (b.remaining() < 20) throw new IllegalArgumentException("truncated commit entry (" + data.size() + " bytes)");
                long proposer = b.getLong(), ticket = b.getLong();
                int n = b.getInt();
                if (n < 1 || n > b.remaining() / 4) throw new IllegalArgumentException("commit entry claims " + n + " records in " + data.size() + " bytes");
                List<byte[]> records = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    int len = b.remaining() >= 4 ? b.getInt() : -1;
                    if (len < 0 || len > b.remaining()) throw new IllegalArgumentException("commit entry record " + i + " overruns the entry");
                    byte[] record = new byte[len];
                    b.get(record);
                    records.add(record);
                }
                yield new Commit(proposer, ticket, records);
            }
            case ADDRESS -> {
                String s = data.substring(1).toString(StandardCharsets.UTF_8);
                int sp = s.indexOf(' ');
                if (sp < 0) throw new IllegalArgumentException("malformed address entry '" + s + "'");
                yield new Address(s.substring(0, sp), s.substring(sp + 1));
            }
            default -> throw new IllegalArgumentException("unknown log entry kind " + kind);
        };
    }
}
