package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;

/**
 * Extended-protocol Parse ('P'): statement name, query text and the parameter type OIDs the client fixed (0 for
 * "infer"). The types are part of a statement's identity: the same text with other types is another statement.
 */
public record Parse(String statement, String sql, int[] parameterTypes) {
    public static final byte TYPE = MessageType.Frontend.PARSE;

    public Parse {
        parameterTypes = parameterTypes.clone();
    }

    public static Parse decode(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String name = Messages.readCString(b);
        String sql = Messages.readCString(b);
        Messages.need(b, 2, "Parse");
        int n = b.readUnsignedShort();
        Messages.need(b, 4 * n, "Parse");
        int[] types = new int[n];
        for (int i = 0; i < n; i++) types[i] = b.readInt();
        return new Parse(name, sql, types);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        Messages.writeCString(b, statement);
        Messages.writeCString(b, sql);
        b.writeShort(parameterTypes.length);
        for (int t : parameterTypes) b.writeInt(t);
        return Messages.finish(b);
    }

    /** The same statement under another name. */
    public Parse named(String name) { return new Parse(name, sql, parameterTypes); }

    @Override public int[] parameterTypes() { return parameterTypes.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof Parse p && statement.equals(p.statement) && sql.equals(p.sql) && Arrays.equals(parameterTypes, p.parameterTypes);
    }

    @Override public int hashCode() { return (statement.hashCode() * 31 + sql.hashCode()) * 31 + Arrays.hashCode(parameterTypes); }

    @Override public String toString() { return "Parse[" + statement + ", " + sql + ", " + Arrays.toString(parameterTypes) + "]"; }
}
