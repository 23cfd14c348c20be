package dev.bypass.replication;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class LogEntriesTest {
    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void aCommitEntryRoundTripsAndItsHeaderNamesItsProposerAndFirstTicket() {
        ByteString data = LogEntries.encode(new LogEntries.Commit(42, 7, List.of(b("one"), b(""), b("three"))));
        LogEntries.Commit c = assertInstanceOf(LogEntries.Commit.class, LogEntries.decode(data));
        assertEquals(42, c.proposer());
        assertEquals(7, c.firstTicket());
        assertEquals(9, c.lastTicket());
        assertEquals(List.of("one", "", "three"), c.records().stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList());
        assertEquals(LogEntries.COMMIT, LogEntries.kind(data));
        assertTrue(LogEntries.isCommitOf(data, 42, 7));
        assertFalse(LogEntries.isCommitOf(data, 43, 7), "another proposer");
        assertFalse(LogEntries.isCommitOf(data, 42, 8), "another first ticket");
    }

    @Test
    void anAddressEntryIsNoCommitOfAnyone() {
        ByteString data = LogEntries.encode(new LogEntries.Address("n2", "127.0.0.1:6402"));
        assertEquals(new LogEntries.Address("n2", "127.0.0.1:6402"), LogEntries.decode(data));
        assertEquals(LogEntries.ADDRESS, LogEntries.kind(data));
        assertFalse(LogEntries.isCommitOf(data, 0, 0));
        assertEquals(-1, LogEntries.kind(ByteString.EMPTY));
    }

    @Test
    void everyTruncatedCommitEntryIsRefusedWithAMessage() {
        ByteString data = LogEntries.encode(new LogEntries.Commit(1, 2, List.of(b("abc"), b("defgh"))));
        for (int n = 0; n < data.size(); n++) {
            ByteString cut = data.substring(0, n);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogEntries.decode(cut), "prefix of " + n + " bytes");
            assertFalse(e.getMessage().isBlank());
            if (n < 21) assertFalse(LogEntries.isCommitOf(cut, 1, 2), "a header cut short is no commit");
        }
    }
}
