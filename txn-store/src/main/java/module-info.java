/**
 * The embedded MVCC store: transactions ({@link dev.bypass.txnstore.Store}), programs as stored procedures over it
 * ({@code dev.bypass.txnstore.programs}), and its Redis protocol server ({@code dev.bypass.txnstore.resp}).
 */
module dev.bypass.txnstore {
    requires transitive dev.bypass.programs;
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.codec;
    requires io.netty.codec.redis;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;

    exports dev.bypass.txnstore;
    exports dev.bypass.txnstore.programs;
    exports dev.bypass.txnstore.resp;
}
