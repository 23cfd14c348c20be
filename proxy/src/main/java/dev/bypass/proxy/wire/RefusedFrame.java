package dev.bypass.proxy.wire;

/**
 * A message the decoder will not hold (larger than the whole buffer budget): its body is skipped as it arrives and
 * the session answers it with an error, as it would a message a hook refused.
 */
public record RefusedFrame(byte type, long length, String reason) {}
