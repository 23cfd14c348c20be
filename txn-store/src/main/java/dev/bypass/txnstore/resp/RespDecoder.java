package dev.bypass.txnstore.resp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes client commands — RESP arrays of bulk strings, and inline commands — from a connection's input, one
 * explicit state at a time, so a command may arrive split at any byte. Arguments are decoded straight into arrays
 * of their own (the store keeps them as they are). A bulk string's array grows with what actually arrived (a client
 * that announces a large value and sends nothing holds nothing); the bytes held by partial large arguments are
 * counted in a server-wide total that the memory limit includes. Malformed input throws {@link ProtocolError} with
 * Redis's text.
 */
final class RespDecoder {
    /** A protocol violation; the message is Redis's text after {@code ERR Protocol error: }. */
    static final class ProtocolError extends RuntimeException {
        ProtocolError(String message) { super(message, null, false, false); }
    }

    /** Receives each decoded command; returns false to stop decoding (back-pressure: the rest stays in the input). */
    interface Sink {
        boolean command(byte[][] args, int argc);
    }

    private enum State { START, INLINE, COUNT, BULK_HEADER, BULK_BODY, BULK_CR, BULK_LF }

    /** Redis's PROTO_INLINE_MAX_SIZE: the longest inline command or count line. */
    static final int MAX_LINE = 64 << 10;
    /** Partial arguments at least this large are counted in the server's input bytes. */
    private static final int COUNTED = 16 << 10;

    private final java.util.function.Supplier<RespConfig> config;
    private final AtomicLong inputBytes;
    private State state = State.START;
    private byte[] line = new byte[64];
    private int lineLen;
    private byte[][] args = new byte[8][];
    private int argc, expected;
    private long commandBytes;
    private byte[] bulk;
    private int bulkLen, filled;
    private long counted;

    RespDecoder(java.util.function.Supplier<RespConfig> config, AtomicLong inputBytes) {
        this.config = config;
        this.inputBytes = inputBytes;
    }

    /**
     * Decodes commands from {@code in} until it is exhausted or the sink stops. Every byte is consumed unless the sink
     * stopped: a partial command is kept in this decoder's state, never left in {@code in}.
     */
    void decode(ByteBuf in, Sink sink) {
        while (true) {
            switch (state) {
                case START -> {
                    if (!in.isReadable()) return;
                    state = in.getByte(in.readerIndex()) == '*' ? State.COUNT : State.INLINE;
                }
                case INLINE -> {
                    if (!readLine(in, "too big inline request")) return;
                    state = State.START;
                    int n = Inline.split(line, lineLenDone, this);
                    if (n > 0 && !deliver(sink, n)) return;
                }
                case COUNT -> {
                    if (!readLine(in, "too big mbulk count string")) return;
                    long n = number(1, "invalid multibulk length");
                    if (n > Integer.MAX_VALUE) throw new ProtocolError("invalid multibulk length");
                    if (n <= 0) {
                        state = State.START; // *0 and *-1 are ignored, as Redis does
                        continue;
                    }
                    expected = (int) n;
                    if (args.length < Math.min(expected, 1024)) args = new byte[Math.min(expected, 1024)][];
                    argc = 0;
                    commandBytes = 0;
                    state = State.BULK_HEADER;
                }
                case BULK_HEADER -> {
                    if (!in.isReadable()) return;
                    byte first = lineLen > 0 ? line[0] : in.getByte(in.readerIndex());
                    if (first != '$') throw new ProtocolError("expected '$', got '" + (char) (first & 0xff) + "'");
                    if (!readLine(in, "too big bulk count string")) return;
                    long n = number(1, "invalid bulk length");
                    if (n < 0 || n > config.get().protoMaxBulkLen()) throw new ProtocolError("invalid bulk length");
                    commandBytes += n + 16;
                    if (commandBytes > config.get().clientQueryBufferLimit())
                        throw new ProtocolError("the command is larger than client-query-buffer-limit (" + config.get().clientQueryBufferLimit() + " bytes)");
                    bulkLen = (int) n;
                    filled = 0;
                    int ready = (int) Math.min(in.readableBytes(), n);
                    bulk = new byte[bulkLen <= COUNTED || ready == bulkLen ? bulkLen : Math.max(COUNTED, ready)];
                    count(bulk.length);
                    state = State.BULK_BODY;
                }
                case BULK_BODY -> {
                    int take = Math.min(in.readableBytes(), bulkLen - filled);
                    if (filled + take > bulk.length) {
                        int cap = (int) Math.min(bulkLen, Math.max(2L * bulk.length, filled + take));
                        count(cap - bulk.length);
                        bulk = Arrays.copyOf(bulk, cap);
                    }
                    in.readBytes(bulk, filled, take);
                    filled += take;
                    if (filled < bulkLen) return;
                    state = State.BULK_CR;
                }
                // CR and LF are states of their own: a read may end between them, and every byte read is consumed
                case BULK_CR -> {
                    if (!in.isReadable()) return;
                    if (in.readByte() != '\r') throw new ProtocolError("expected CRLF after a bulk string");
                    state = State.BULK_LF;
                }
                case BULK_LF -> {
                    if (!in.isReadable()) return;
                    if (in.readByte() != '\n') throw new ProtocolError("expected CRLF after a bulk string");
                    add(bulk);
                    bulk = null;
                    if (argc < expected) {
                        state = State.BULK_HEADER;
                        continue;
                    }
                    state = State.START;
                    if (!deliver(sink, argc)) return;
                }
            }
        }
    }

    private void count(long bytes) {
        if (bulkLen < COUNTED) return;
        counted += bytes;
        inputBytes.addAndGet(bytes);
    }

    private boolean deliver(Sink sink, int n) {
        if (counted != 0) {
            inputBytes.addAndGet(-counted); // from now on the arguments are the command's (and maybe the store's)
            counted = 0;
        }
        boolean more = sink.command(args, n);
        Arrays.fill(args, 0, n, null);
        argc = 0;
        return more;
    }

    void add(byte[] arg) {
        if (argc == args.length) args = Arrays.copyOf(args, args.length * 2);
        args[argc++] = arg;
    }

    /** Gives back the bytes of a partial argument (the connection closed). */
    void release() {
        if (counted != 0) inputBytes.addAndGet(-counted);
        counted = 0;
        bulk = null;
        Arrays.fill(args, null);
    }

    /** Bytes of the command being received so far (for limits and CLIENT LIST's qbuf). */
    long partialBytes() { return state == State.START ? 0 : commandBytes + lineLen; }

    /** Appends input up to LF to {@link #line}; true once a whole line is there (without CR LF), consumed from {@code in}. */
    private boolean readLine(ByteBuf in, String tooLong) {
        int lf = in.forEachByte(ByteProcessor.FIND_LF);
        int end = lf < 0 ? in.writerIndex() : lf;
        int n = end - in.readerIndex();
        if (lineLen + n > MAX_LINE) throw new ProtocolError(tooLong);
        if (lineLen + n > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + n));
        in.readBytes(line, lineLen, n);
        lineLen += n;
        if (lf < 0) return false;
        in.skipBytes(1);
        if (lineLen > 0 && line[lineLen - 1] == '\r') lineLen--;
        lineLenDone = lineLen;
        lineLen = 0;
        return true;
    }

    /** Length of the line {@link #readLine} completed last. */
    private int lineLenDone;

    /** The completed line's decimal number after {@code from} chars, or the error. */
    private long number(int from, String error) {
        int n = lineLenDone;
        if (n <= from || n - from > 20) throw new ProtocolError(error);
        boolean neg = line[from] == '-';
        int i = neg ? from + 1 : from;
        if (i == n) throw new ProtocolError(error);
        long v = 0;
        for (; i < n; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) throw new ProtocolError(error);
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }

    /** Inline commands: arguments separated by blanks, with Redis's double and single quotes. */
    static final class Inline {
        private Inline() {}

        /** Splits {@code line[0, len)} into arguments added to {@code to}; returns their number. */
        static int split(byte[] line, int len, RespDecoder to) {
            int i = 0, n = 0;
            java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
            while (true) {
                while (i < len && isSpace(line[i])) i++;
                if (i >= len) return n;
                cur.reset();
                boolean inDq = false, inSq = false;
                while (true) {
                    if (inDq) {
                        if (i >= len) throw new ProtocolError("unbalanced quotes in request");
                        if (line[i] == '\\' && i + 3 < len && line[i + 1] == 'x' && hex(line[i + 2]) >= 0 && hex(line[i + 3]) >= 0) {
                            cur.write(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                            i += 4;
                            continue;
                        }
                        if (line[i] == '\\' && i + 1 < len) {
                            byte c = line[i + 1];
                            cur.write(switch (c) { case 'n' -> '\n'; case 'r' -> '\r'; case 't' -> '\t'; case 'b' -> '\b'; case 'a' -> 7; default -> c; });
                            i += 2;
                            continue;
                        }
                        if (line[i] == '"') {
                            if (i + 1 < len && !isSpace(line[i + 1])) throw new ProtocolError("unbalanced quotes in request");
                            i++;
                            break;
                        }
                        cur.write(line[i++]);
                    } else if (inSq) {
                        if (i >= len) throw new ProtocolError("unbalanced quotes in request");
                        if (line[i] == '\\' && i + 1 < len && line[i + 1] == '\'') {
                            cur.write('\'');
                            i += 2;
                            continue;
                        }
                        if (line[i] == '\'') {
                            if (i + 1 < len && !isSpace(line[i + 1])) throw new ProtocolError("unbalanced quotes in request");
                            i++;
                            break;
                        }
                        cur.write(line[i++]);
                    } else {
                        if (i >= len || isSpace(line[i])) break;
                        if (line[i] == '"') inDq = true;
                        else if (line[i] == '\'') inSq = true;
                        else cur.write(line[i]);
                        i++;
                    }
                }
                to.add(cur.toByteArray());
                n++;
            }
        }

        private static boolean isSpace(byte b) { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f'; }

        private static int hex(byte b) { return Character.digit(b, 16); }
    }
}
