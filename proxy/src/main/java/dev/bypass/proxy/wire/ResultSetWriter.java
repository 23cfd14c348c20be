package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a text-format result set (RowDescription, DataRows, CommandComplete) for answers the proxy gives itself,
 * with each column's type as PostgreSQL names it, so clients read numbers as numbers.
 */
public final class ResultSetWriter {
    private ResultSetWriter() {}

    /** A result column: its name and type (PostgreSQL's OID and size). */
    public record Column(String name, int oid, int size) {
        public static Column text(String name) { return new Column(name, 25, -1); }

        public static Column int4(String name) { return new Column(name, 23, 4); }

        public static Column int8(String name) { return new Column(name, 20, 8); }

        public static Column numeric(String name) { return new Column(name, 1700, -1); }

        public static Column bytea(String name) { return new Column(name, 17, -1); }
    }

    /** Text columns, for callers that have only names. */
    public static void write(Channel ch, List<String> columns, List<List<String>> rows, String tag) {
        writeTyped(ch, columns.stream().map(Column::text).toList(), rows, tag);
    }

    public static void writeTyped(Channel ch, List<Column> columns, List<? extends List<String>> rows, String tag) {
        ByteBufAllocator alloc = ch.alloc();
        ByteBuf d = Messages.begin(alloc, (char) MessageType.Backend.ROW_DESCRIPTION);
        d.writeShort(columns.size());
        for (Column c : columns) {
            Messages.writeCString(d, c.name());
            d.writeInt(0).writeShort(0).writeInt(c.oid()).writeShort(c.size()).writeInt(-1).writeShort(0);
        }
        ch.write(Messages.finish(d));
        for (List<String> row : rows) {
            if (row.size() != columns.size()) throw new IllegalArgumentException("row of " + row.size() + " values for " + columns.size() + " columns");
            ByteBuf r = Messages.begin(alloc, (char) MessageType.Backend.DATA_ROW);
            r.writeShort(row.size());
            for (String v : row) {
                if (v == null) {
                    r.writeInt(-1);
                } else {
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    r.writeInt(b.length).writeBytes(b);
                }
            }
            ch.write(Messages.finish(r));
        }
        commandComplete(ch, tag);
    }

    public static void commandComplete(Channel ch, String tag) {
        ByteBuf c = Messages.begin(ch.alloc(), (char) MessageType.Backend.COMMAND_COMPLETE);
        Messages.writeCString(c, tag);
        ch.write(Messages.finish(c));
    }
}
