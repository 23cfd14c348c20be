package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writes a text-format result set (RowDescription, DataRows, CommandComplete) for answers the proxy gives itself. */
public final class ResultSetWriter {
    private ResultSetWriter() {}

    private static final int TEXT_OID = 25;

    public static void write(Channel ch, List<String> columns, List<List<String>> rows, String tag) {
        ByteBufAllocator alloc = ch.alloc();
        ByteBuf d = Messages.begin(alloc, 'T');
        d.writeShort(columns.size());
        for (String c : columns) {
            Messages.writeCString(d, c);
            d.writeInt(0).writeShort(0).writeInt(TEXT_OID).writeShort(-1).writeInt(-1).writeShort(0);
        }
        ch.write(Messages.finish(d));
        for (List<String> row : rows) {
            ByteBuf r = Messages.begin(alloc, 'D');
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
        ByteBuf c = Messages.begin(ch.alloc(), 'C');
        Messages.writeCString(c, tag);
        ch.write(Messages.finish(c));
    }
}
