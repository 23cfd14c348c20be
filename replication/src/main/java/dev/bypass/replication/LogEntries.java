package dev.bypass.replication;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The state machine's entries in the Raft log, one sealed type per kind: a committed transaction's record as the
 * leader's store wrote it, or a replica announcing where it serves RESP (so followers know where to relay).
 */
sealed interface LogEntries {
    byte COMMIT = 1, ADDRESS = 2;

    /** A commit record from the store of {@code proposer} (a random id per process), its {@code ticket}-th append. */
    record Commit(long proposer, long ticket, byte[] record) implements LogEntries {}

    /** Replica {@code peer} serves RESP at {@code host:port}. */
    record Address(String peer, String address) implements LogEntries {}

    static ByteString encode(LogEntries e) {
        return switch (e) {
            case Commit c -> {
                ByteBuffer b = ByteBuffer.allocate(17 + c.record().length);
                b.put(COMMIT).putLong(c.proposer()).putLong(c.ticket()).put(c.record());
                yield ByteString.copyFrom(b.array());
            }
            case Address a -> ByteString.copyFrom(ByteBuffer.allocate(1).put(ADDRESS).array())
                    .concat(ByteString.copyFromUtf8(a.peer() + " " + a.address()));
        };
    }

    static LogEntries decode(ByteString data) {
        if (data.isEmpty()) throw new IllegalArgumentException("empty log entry");
        ByteBuffer b = data.asReadOnlyByteBuffer();
        byte kind = b.get();
        return switch (kind) {
            case COMMIT -> {
                long proposer = b.getLong(), ticket = b.getLong();
                byte[] record = new byte[b.remaining()];
                b.get(record);
                yield new Commit(proposer, ticket, record);
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
