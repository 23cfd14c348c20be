package dev.bypass.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How a connection's first bytes route it, fed whole and split at every byte. */
class LeaderRouterTest {
    static LeaderRouter.Decision decide(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
        try {
            return LeaderRouter.decide(b);
        } finally {
            b.release();
        }
    }

    static void check(String input, LeaderRouter.Decision whole) {
        assertEquals(whole, decide(input), input);
        for (int cut = 0; cut < input.length(); cut++) {
            LeaderRouter.Decision partial = decide(input.substring(0, cut));
            if (partial != LeaderRouter.Decision.UNDECIDED) assertEquals(whole, partial, "prefix of " + cut + " bytes of " + input);
        }
    }

    @Test
    void readonlyFirstStaysLocal() {
        check("*1\r\n$8\r\nREADONLY\r\n", LeaderRouter.Decision.LOCAL);
        check("*1\r\n$8\r\nreadonly\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", LeaderRouter.Decision.LOCAL);
        check("READONLY\r\n", LeaderRouter.Decision.LOCAL);
        check("readonly\n", LeaderRouter.Decision.LOCAL);
    }

    @Test
    void anythingElseGoesToTheLeader() {
        check("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$8\r\nREADONLY\r\n", LeaderRouter.Decision.LEADER);
        check("PING\r\n", LeaderRouter.Decision.LEADER);
        check("*1\r\n$9\r\nREADONLYX\r\n", LeaderRouter.Decision.LEADER);
        check("*x\r\n", LeaderRouter.Decision.LEADER);
        check("*1\r\n$-5\r\n", LeaderRouter.Decision.LEADER);
    }
}
