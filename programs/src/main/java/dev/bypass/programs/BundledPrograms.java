package dev.bypass.programs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The C programs shipped with Bypass, compiled by {@code clang -O2 -g -target bpf}; sources, objects and the
 * rebuild script ({@code build.sh}) live together under {@code dev/bypass/programs/bpf/}.
 */
public final class BundledPrograms {
    private BundledPrograms() {}

    public static final String COUNTER = "counter", LATENCY_HISTOGRAM = "latency_hist", TOP_K = "topk",
            RATE_LIMITER = "rate_limiter", CONNECTION_ROUTER = "conn_router", ACL_FILTER = "acl_filter";

    public static final List<String> ALL = List.of(COUNTER, LATENCY_HISTOGRAM, TOP_K, RATE_LIMITER, CONNECTION_ROUTER, ACL_FILTER);

    /** The compiled object of a bundled program. */
    public static byte[] object(String name) { return resource(name + ".o"); }

    /** The C source of a bundled program. */
    public static String source(String name) { return new String(resource(name + ".c"), java.nio.charset.StandardCharsets.UTF_8); }

    private static byte[] resource(String file) {
        try (InputStream in = BundledPrograms.class.getResourceAsStream("bpf/" + file)) {
            if (in == null) throw new IllegalArgumentException("no bundled program file " + file);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
