package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The RESP decoder on input split at every kind of boundary: each command comes out whole and in order, whatever the
 * reads it arrived in, and every byte of every read is consumed (a connection releases its read buffer after
 * decoding, so a byte left in it would be lost).
 */
class RespDecoderTest {
    static final long SEED = Long.getLong("bypass.resp.seed", 7_2026_12_07L);

    /** Seeded pipelines of commands, arguments empty, binary (CR and LF inside), short and long, and inline commands. */
    static List<List<byte[]>> commands(Random rnd, int count) {
        List<List<byte[]>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<byte[]> args = new ArrayList<>();
            int argc = 1 + rnd.nextInt(5);
            for (int a = 0; a < argc; a++) {
                int len = switch (rnd.nextInt(4)) { case 0 -> 0; case 1 -> 1 + rnd.nextInt(4); case 2 -> rnd.nextInt(100); default -> rnd.nextInt(40_000); };
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                args.add(b);
            }
            out.add(args);
        }
        return out;
    }

    static byte[] encode(List<List<byte[]>> commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (List<byte[]> c : commands) {
            out.writeBytes(("*" + c.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] a : c) {
                out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(a);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }

    /** Decodes {@code data} fed in reads that end at {@code cuts}; asserts each read is consumed whole. */
    static List<List<byte[]>> decode(byte[] data, int[] cuts) {
        RespDecoder decoder = new RespDecoder(RespConfig::defaults, new AtomicLong());
        List<List<byte[]>> got = new ArrayList<>();
        int from = 0;
        for (int cut : IntStream.concat(Arrays.stream(cuts), IntStream.of(data.length)).toArray()) {
            ByteBuf in = Unpooled.wrappedBuffer(data, from, cut - from);
            decoder.decode(in, (args, argc) -> {
                got.add(new ArrayList<>(Arrays.asList(args).subList(0, argc)));
                return true;
            });
            assertEquals(0, in.readableBytes(), "bytes left unconsumed in the read ending at " + cut);
            from = cut;
        }
        assertEquals(0, decoder.partialBytes(), "no partial command left");
        return got;
    }

    static void assertSame(List<List<byte[]>> expected, List<List<byte[]>> got, String what) {
        assertEquals(expected.size(), got.size(), what + ": commands decoded");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).size(), got.get(i).size(), what + ": arguments of command " + i);
            for (int a = 0; a < expected.get(i).size(); a++)
                assertArrayEquals(expected.get(i).get(a), got.get(i).get(a), what + ": command " + i + " argument " + a);
        }
    }

    @Test
    void everySplitOfASmallPipelineDecodesTheSame() {
        List<List<byte[]>> cmds = List.of(
                List.of("MULTI".getBytes()), List.of("SET".getBytes(), "k".getBytes(), "a\r\nb".getBytes()),
                List.of("GET".getBytes(), new byte[0]), List.of("EXEC".getBytes()));
        byte[] data = encode(cmds);
        for (int i = 0; i <= data.length; i++) assertSame(cmds, decode(data, new int[] {i}), "one cut at " + i);
        for (int i = 0; i <= data.length; i++)
            for (int j = i; j <= data.length; j++) assertSame(cmds, decode(data, new int[] {i, j}), "cuts at " + i + " and " + j);
        assertSame(cmds, decode(data, IntStream.range(1, data.length).toArray()), "one byte per read");
    }

    @TestFactory
    Stream<DynamicTest> seededPipelinesSplitAtRandom() {
        Random master = new Random(SEED);
        return IntStream.range(0, 40).mapToObj(i -> {
            long seed = master.nextLong();
            return DynamicTest.dynamicTest("seed " + seed, () -> {
                Random rnd = new Random(seed);
                List<List<byte[]>> cmds = commands(rnd, 1 + rnd.nextInt(30));
                byte[] data = encode(cmds);
                int n = rnd.nextInt(Math.min(data.length, 400) + 1);
                int[] cuts = rnd.ints(n, 0, data.length + 1).sorted().toArray();
                assertSame(cmds, decode(data, cuts), "seed " + seed + " (-Dbypass.resp.seed to repeat the run), " + n + " cuts");
            });
        });
    }

    @Test
    void inlineCommandsSplitByteByByte() {
        byte[] data = "PING\r\nSET k \"a b\"\nGET k\r\n".getBytes(StandardCharsets.US_ASCII);
        List<List<byte[]>> got = decode(data, IntStream.range(1, data.length).toArray());
        assertEquals(3, got.size());
        assertArrayEquals("a b".getBytes(), got.get(1).get(2));
    }

    @Test
    void aMissingCrlfAfterABulkStringIsAProtocolErrorEvenWhenSplit() {
        byte[] data = "*1\r\n$4\r\nPINGx\n".getBytes(StandardCharsets.US_ASCII);
        for (int cut = 0; cut <= data.length; cut++) {
            int c = cut;
            var e = assertThrows(RespDecoder.ProtocolError.class, () -> decode(data, new int[] {c}));
            assertEquals("expected CRLF after a bulk string", e.getMessage());
        }
    }
}
