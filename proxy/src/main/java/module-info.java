/**
 * The PostgreSQL connection-pooling proxy: {@link dev.bypass.proxy.server.ProxyServer}, configured by {@link
 * dev.bypass.proxy.config.ProxyConfig}, with programs at its hook points ({@code dev.bypass.proxy.hooks}). The
 * wire codec and the pools are its own.
 */
module dev.bypass.proxy {
    requires transitive dev.bypass.programs;
    requires transitive io.netty.transport;
    requires transitive micrometer.core;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.codec;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    requires com.ongres.scram.client;
    requires org.slf4j;
    requires java.naming;

    exports dev.bypass.proxy.config;
    exports dev.bypass.proxy.hooks;
    exports dev.bypass.proxy.server;
    exports dev.bypass.proxy.sql;
}
