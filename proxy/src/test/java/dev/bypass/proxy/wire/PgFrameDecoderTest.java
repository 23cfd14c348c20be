package dev.bypass.proxy.wire;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The frame decoder on a real client conversation (start-up, then simple and extended queries), cut at every
 * position, fed byte by byte and in random pieces: always the same frames, and each message class decodes its
 * frame back to what was encoded. Bad lengths are protocol errors in both states.
 */
class PgFrameDecoderTest {
    /** A client's bytes: StartupMessage, Query, Parse, Bind, Describe, Execute, Sync, Terminate. */
    static byte[] conversation() {
        ByteBufAllocator a = ByteBufAllocator.DEFAULT;
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "alice");
        params.put("database", "shop");
        List<ByteBuf> parts = List.of(
                new StartupMessage(StartupMessage.PROTOCOL_3_0, params).encode(a),
                new Query("SELECT 1; SELECT 'two'").encode(a),
                new Parse("", "SELECT $1::int + 1", new int[] {23}).encode(a),
                bind("", "", "41"),
                new Describe('P', "").encode(a),
                regular('E', new byte[] {0, 0, 0, 0, 0}),
                regular('S', new byte[0]),
                regular('X', new byte[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b : parts) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    static ByteBuf regular(char type, byte[] body) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(type).writeInt(4 + body.length).writeBytes(body);
        return b;
    }

    /** A Bind of text parameters, as pgjdbc sends it. */
    static ByteBuf bind(String portal, String statement, String... values) {
        ByteBuf body = Unpooled.buffer();
        body.writeBytes(portal.getBytes(StandardCharsets.UTF_8)).writeByte(0).writeBytes(statement.getBytes(StandardCharsets.UTF_8)).writeByte(0);
        body.writeShort(0).writeShort(values.length);
        for (String v : values) {
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            body.writeInt(bytes.length).writeBytes(bytes);
        }
        body.writeShort(0);
        byte[] bytes = new byte[body.readableBytes()];
        body.readBytes(bytes);
        return regular('B', bytes);
    }

    /** Decodes {@code input} cut into {@code pieces}; frames as (type, whole frame bytes). */
    static List<String> decode(byte[] input, List<Integer> cuts) {
        PgFrameDecoder decoder = new PgFrameDecoder(PgFrameDecoder.State.STARTUP);
        List<String> frames = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
            @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
                PgFrame f = (PgFrame) msg;
                if (f.type() == 0) decoder.switchToRegular(); // what the session does after a StartupMessage
                byte[] bytes = new byte[f.frame().readableBytes()];
                f.frame().getBytes(f.frame().readerIndex(), bytes);
                frames.add((f.type() == 0 ? "startup" : Character.toString((char) f.type())) + ":" + java.util.HexFormat.of().formatHex(bytes));
                f.release();
            }
        });
        feed(ch, input, cuts);
        return frames;
    }

    /** Writes {@code input} to the channel in the pieces {@code cuts} makes, then checks nothing is left over. */
    static void feed(EmbeddedChannel ch, byte[] input, List<Integer> cuts) {
        int at = 0;
        for (int cut : cuts) {
            ch.writeInbound(Unpooled.wrappedBuffer(input, at, cut - at));
            at = cut;
        }
        ch.writeInbound(Unpooled.wrappedBuffer(input, at, input.length - at));
        assertFalse(ch.finish());
    }

    @Test
    void sameFramesWhereverTheInputIsCut() {
        byte[] input = conversation();
        List<String> whole = decode(input, List.of());
        assertEquals(8, whole.size());
        assertTrue(whole.getFirst().startsWith("startup:"));
        assertEquals(List.of("Q", "P", "B", "D", "E", "S", "X"), whole.subList(1, 8).stream().map(s -> s.substring(0, 1)).toList());
        for (int cut = 1; cut < input.length; cut++) assertEquals(whole, decode(input, List.of(cut)), "cut at " + cut);
        List<Integer> everyByte = new ArrayList<>();
        for (int i = 1; i < input.length; i++) everyByte.add(i);
        assertEquals(whole, decode(input, everyByte), "one byte at a time");
        Random rnd = new Random(20261201);
        for (int round = 0; round < 200; round++) {
            List<Integer> cuts = new ArrayList<>();
            for (int i = 1; i < input.length; i++) if (rnd.nextInt(6) == 0) cuts.add(i);
            assertEquals(whole, decode(input, cuts), "random pieces, round " + round);
        }
    }

    @Test
    void messagesDecodeWhatWasEncoded() {
        ByteBufAllocator a = ByteBufAllocator.DEFAULT;
        PgFrame q = frameOf(new Query("SELECT 'x;y'").encode(a));
        assertEquals("SELECT 'x;y'", Query.decode(q.body()).sql());
        PgFrame p = frameOf(new Parse("s1", "SELECT $1", new int[] {25}).encode(a));
        Parse parse = Parse.decode(p.body());
        assertEquals("s1", parse.statement());
        assertEquals("SELECT $1", parse.sql());
        assertArrayEquals(new int[] {25}, parse.parameterTypes());
        PgFrame b = frameOf(bind("portal", "s1", "v"));
        Bind bind = Bind.decode(b.body());
        assertEquals("portal", bind.portal());
        assertEquals("s1", bind.statement());
        for (PgFrame f : List.of(q, p, b)) f.release();
    }

    private static PgFrame frameOf(ByteBuf encoded) {
        EmbeddedChannel ch = new EmbeddedChannel(new PgFrameDecoder(PgFrameDecoder.State.REGULAR));
        ch.writeInbound(encoded);
        PgFrame f = ch.readInbound();
        assertNotNull(f);
        ch.finish();
        return f;
    }

    @Test
    void impossibleLengthsAreProtocolErrors() {
        for (byte[] bad : List.of(new byte[] {'Q', 0, 0, 0, 3}, new byte[] {'Q', 0x7f, 0, 0, 0})) {
            EmbeddedChannel ch = new EmbeddedChannel(new PgFrameDecoder(PgFrameDecoder.State.REGULAR));
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(bad)));
            assertInstanceOf(ProtocolException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("invalid length"), e.getCause().getMessage());
        }
        EmbeddedChannel ch = new EmbeddedChannel(new PgFrameDecoder(PgFrameDecoder.State.STARTUP));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2})));
        assertTrue(e.getCause().getMessage().contains("invalid start-up packet length 2"), e.getCause().getMessage());
    }

    /** A server's reply: RowDescription, DataRows (one large enough to stream), CommandComplete, CopyData, ReadyForQuery. */
    static byte[] serverReply() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.util.function.BiConsumer<Character, byte[]> add = (t, body) -> {
            ByteBuf b = regular(t, body);
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
        };
        add.accept('T', new byte[] {0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, -1, -1, -1, -1, 0, 0});
        for (int i = 0; i < 5; i++) add.accept('D', new byte[] {0, 1, 0, 0, 0, 1, (byte) ('0' + i)});
        add.accept('D', new byte[20_000]); // streamed: over the threshold of 200 below and over what goes unreserved
        for (int i = 0; i < 3; i++) add.accept('D', new byte[] {0, 1, -1, -1, -1, -1});
        add.accept('C', "SELECT 9\0".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 4; i++) add.accept('d', ("line " + i + "\n").getBytes(StandardCharsets.US_ASCII));
        add.accept('Z', new byte[] {'I'});
        return out.toByteArray();
    }

    /** Server frames as one line per message (runs expanded, streamed pieces joined): type and hex of its body. */
    static List<String> decodeServer(byte[] input, List<Integer> cuts, List<Integer> runSizes) {
        PgFrameDecoder decoder = new PgFrameDecoder(PgFrameDecoder.State.REGULAR, new PgFrameDecoder.Limits(PgFrameDecoder.MAX_LARGE, 200, "Dd", false, null, "Dd"));
        List<String> messages = new ArrayList<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        EmbeddedChannel ch = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
            @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof PgChunk c) {
                    byte[] bytes = new byte[c.data().readableBytes()];
                    c.data().getBytes(c.data().readerIndex(), bytes);
                    all.writeBytes(bytes);
                    messages.set(messages.size() - 1, messages.getLast() + java.util.HexFormat.of().formatHex(bytes));
                    c.release();
                    return;
                }
                PgFrame f = (PgFrame) msg;
                byte[] bytes = new byte[f.frame().readableBytes()];
                f.frame().getBytes(f.frame().readerIndex(), bytes);
                all.writeBytes(bytes);
                if (f.messages() > 1) {
                    assertTrue(f.type() == 'D' || f.type() == 'd', "a run of " + f);
                    assertEquals(f.length(), f.frame().readableBytes());
                    runSizes.add(f.messages());
                }
                if (f.streamed()) {
                    messages.add((char) f.type() + ":" + java.util.HexFormat.of().formatHex(bytes, 5, bytes.length));
                } else {
                    int[] count = {0};
                    f.forEachBody(body -> {
                        byte[] b = new byte[body.readableBytes()];
                        body.getBytes(body.readerIndex(), b);
                        messages.add((char) f.type() + ":" + java.util.HexFormat.of().formatHex(b));
                        count[0]++;
                    });
                    assertEquals(f.messages(), count[0]);
                }
                f.release();
            }
        });
        feed(ch, input, cuts);
        assertArrayEquals(input, all.toByteArray(), "the frames, back to back, are the input");
        return messages;
    }

    @Test
    void serverRowsComeInRunsWithTheSameMessagesWhereverTheInputIsCut() {
        byte[] input = serverReply();
        List<Integer> runs = new ArrayList<>();
        List<String> whole = decodeServer(input, List.of(), runs);
        assertEquals(16, whole.size());
        assertEquals(List.of(5, 3, 4), runs, "rows and copy lines that arrived together are one frame each (the streamed row apart)");
        assertEquals("D:0001000000013", whole.get(4).substring(0, 15));
        for (int cut = 1; cut < input.length; cut++) assertEquals(whole, decodeServer(input, List.of(cut), new ArrayList<>()), "cut at " + cut);
        Random rnd = new Random(20261207);
        for (int round = 0; round < 200; round++) {
            List<Integer> cuts = new ArrayList<>();
            for (int i = 1; i < input.length; i++) if (rnd.nextInt(8) == 0) cuts.add(i);
            assertEquals(whole, decodeServer(input, cuts, new ArrayList<>()), "random pieces, seed 20261207, round " + round);
        }
    }

    @Test
    void aBadLengthBehindARunIsStillAProtocolError() {
        EmbeddedChannel ch = new EmbeddedChannel(new PgFrameDecoder(PgFrameDecoder.State.REGULAR, PgFrameDecoder.Limits.server(1 << 16, null)));
        ByteBuf in = Unpooled.buffer();
        for (int i = 0; i < 3; i++) in.writeBytes(regular('D', new byte[] {0, 0}));
        in.writeByte('D').writeInt(2);
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(in));
        assertTrue(e.getCause().getMessage().contains("invalid length 2"), e.getCause().getMessage());
        PgFrame run = ch.readInbound();
        assertEquals(3, run.messages(), "the whole rows before it went on as one run");
        run.release();
    }
}
