package dev.bypass.txnstore.resp;

import java.util.Locale;

/**
 * The server's limits, named and defaulted as Redis's configuration directives are, except where noted. Every limit
 * is enforced before a reply: a write beyond {@code maxmemory} gets Redis's {@code -OOM} error and changes nothing.
 *
 * @param maxmemory bytes of store data (and partially received large arguments) beyond which commands that may add
 *        data are refused with {@code -OOM}; 0: no limit. Default: 60% of the JVM's maximum heap (Redis: 0), since
 *        the data lives on the heap and running out of it is worse than a refused write.
 * @param protoMaxBulkLen the largest bulk string a client may send, and the largest string value (512 MiB)
 * @param clientQueryBufferLimit the largest command a client may send, all arguments together (1 GiB)
 * @param outputHardLimit a client whose pending replies exceed this is disconnected at once (Redis's
 *        {@code client-output-buffer-limit normal} hard limit; 0: none). Default 1 GiB (Redis: 0)
 * @param outputSoftLimit pending replies above this for {@code outputSoftSeconds} disconnect the client (0: none).
 *        Default 256 MiB for 60 s (Redis: 0). Before any limit applies, a client whose replies pile up is no longer
 *        read from (back-pressure), so a client that does not read cannot make the server buffer much for it
 * @param maxclients connections beyond this get {@code -ERR max number of clients reached} and are closed (10000)
 * @param timeoutSeconds idle connections are closed after this many seconds (0: never, as Redis's default)
 */
public record RespConfig(long maxmemory, long protoMaxBulkLen, long clientQueryBufferLimit, long outputHardLimit, long outputSoftLimit,
                         int outputSoftSeconds, int maxclients, int timeoutSeconds) {
    public static final long DEFAULT_PROTO_MAX_BULK_LEN = 512L << 20;

    public RespConfig {
        if (maxmemory < 0) throw new IllegalArgumentException("maxmemory must not be negative");
        if (protoMaxBulkLen < 1024 || protoMaxBulkLen > DEFAULT_PROTO_MAX_BULK_LEN)
            throw new IllegalArgumentException("proto-max-bulk-len must be between 1kb and 512mb: " + protoMaxBulkLen);
        if (clientQueryBufferLimit < 1024 * 1024) throw new IllegalArgumentException("client-query-buffer-limit must be at least 1mb");
        if (outputHardLimit < 0 || outputSoftLimit < 0 || outputSoftSeconds < 0)
            throw new IllegalArgumentException("client-output-buffer-limit values must not be negative");
        if (maxclients < 1) throw new IllegalArgumentException("maxclients must be positive: " + maxclients);
        if (timeoutSeconds < 0) throw new IllegalArgumentException("timeout must not be negative");
    }

    public static RespConfig defaults() {
        return new RespConfig((long) (Runtime.getRuntime().maxMemory() * 0.6), DEFAULT_PROTO_MAX_BULK_LEN, 1L << 30, 1L << 30, 256L << 20, 60, 10000, 0);
    }

    public RespConfig withMaxmemory(long bytes) {
        return new RespConfig(bytes, protoMaxBulkLen, clientQueryBufferLimit, outputHardLimit, outputSoftLimit, outputSoftSeconds, maxclients, timeoutSeconds);
    }

    public RespConfig withProtoMaxBulkLen(long bytes) {
        return new RespConfig(maxmemory, bytes, clientQueryBufferLimit, outputHardLimit, outputSoftLimit, outputSoftSeconds, maxclients, timeoutSeconds);
    }

    public RespConfig withClientQueryBufferLimit(long bytes) {
        return new RespConfig(maxmemory, protoMaxBulkLen, bytes, outputHardLimit, outputSoftLimit, outputSoftSeconds, maxclients, timeoutSeconds);
    }

    public RespConfig withOutputLimits(long hard, long soft, int softSeconds) {
        return new RespConfig(maxmemory, protoMaxBulkLen, clientQueryBufferLimit, hard, soft, softSeconds, maxclients, timeoutSeconds);
    }

    public RespConfig withMaxclients(int n) {
        return new RespConfig(maxmemory, protoMaxBulkLen, clientQueryBufferLimit, outputHardLimit, outputSoftLimit, outputSoftSeconds, n, timeoutSeconds);
    }

    public RespConfig withTimeout(int seconds) {
        return new RespConfig(maxmemory, protoMaxBulkLen, clientQueryBufferLimit, outputHardLimit, outputSoftLimit, outputSoftSeconds, maxclients, seconds);
    }

    /** Redis's memory units: plain bytes, k/m/g (powers of 1000) and kb/mb/gb (powers of 1024), any case. */
    public static long parseBytes(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"gb", "1073741824"}, {"mb", "1048576"}, {"kb", "1024"}, {"g", "1000000000"}, {"m", "1000000"}, {"k", "1000"}, {"b", "1"}}) {
            if (s.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length());
                break;
            }
        }
        try {
            long v = Long.parseLong(s);
            if (v < 0) throw new NumberFormatException();
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a memory size (bytes, or a number with k, kb, m, mb, g or gb)");
        }
    }

    /** The {@code client-output-buffer-limit} directive's value as CONFIG GET shows it. */
    String outputLimitText() { return "normal " + outputHardLimit + " " + outputSoftLimit + " " + outputSoftSeconds; }
}
