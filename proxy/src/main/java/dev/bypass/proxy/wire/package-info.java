/**
 * The PostgreSQL wire protocol (version 3): {@link dev.bypass.proxy.wire.PgFrameDecoder} splits a byte stream into
 * frames however the input is cut, streaming large messages in pieces and bounding what is gathered
 * ({@link dev.bypass.proxy.wire.BufferBudget}); one class per message the proxy looks inside or writes
 * ({@link dev.bypass.proxy.wire.StartupMessage}, {@link dev.bypass.proxy.wire.Parse},
 * {@link dev.bypass.proxy.wire.ErrorResponse}, ...). Frames it need not look inside are forwarded as they arrived.
 */
package dev.bypass.proxy.wire;
