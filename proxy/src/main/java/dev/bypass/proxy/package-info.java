/**
 * A PostgreSQL wire-protocol proxy on Netty: connection pooling in session and transaction modes, authentication,
 * TLS, an admin console, and hooks where programs allow, reject, route or mirror traffic.
 *
 * <p>The data path. The transport is chosen once at start ({@code server.Transport}): io_uring where the kernel and
 * Netty's native library allow it, then epoll, then NIO; the {@code transport} key or {@code
 * -Dbypass.proxy.transport} forces one, and the choice is logged. Frames are never copied on their way through:
 * the decoder ({@code wire.PgFrameDecoder}) hands on each message as a retained slice of the read buffer, and on the
 * server side consecutive DataRows or CopyData that arrived together as one slice (a run), so a large result costs
 * one object and one write per read, not per row. The client is flushed once per server read burst (and at the
 * ReadyForQuery that releases the server). Message types are named in one place, {@code wire.MessageType}.
 *
 * <p>Threads. A client session's own state changes on its client's event loop; replies arrive on the event loop of
 * the server connection, which is the same loop when the proxy runs one (the default on two cores), and otherwise
 * take the session's lock and hop to the client's loop to write, in reply order.
 */
package dev.bypass.proxy;
