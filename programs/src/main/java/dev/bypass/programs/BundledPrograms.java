package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
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

    /** Program types of the bundled programs' sections, with context layouts matching their C structs. */
    public static ProgramTypes types() {
        return new ProgramTypes()
                .register(new ProgramType("counter", "bypass/counter", ContextLayout.of("counter_ctx", 8, ContextField.readOnly("key", 0, 8))))
                .register(new ProgramType("latency", "bypass/latency", ContextLayout.of("latency_ctx", 8, ContextField.readOnly("latency_ns", 0, 8))))
                .register(new ProgramType("topk", "bypass/topk", ContextLayout.of("topk_ctx", 4, ContextField.readOnly("key", 0, 4))))
                .register(new ProgramType("ratelimit", "bypass/ratelimit", ContextLayout.of("rate_ctx", 16,
                        ContextField.readOnly("client", 0, 4), ContextField.readOnly("pad", 4, 4), ContextField.readOnly("now_ns", 8, 8))))
                .register(new ProgramType("route", "bypass/route", ContextLayout.of("route_ctx", 16,
                        ContextField.readOnly("conn_id", 0, 8), ContextField.readOnly("is_write", 8, 4), ContextField.readWrite("backend", 12, 4))))
                .register(new ProgramType("acl", "bypass/acl", ContextLayout.of("open_request", 64,
                        ContextField.readOnly("device", 0, 8), ContextField.readOnly("inode", 8, 8),
                        ContextField.readOnly("name0", 16, 8), ContextField.readOnly("name1", 24, 8),
                        ContextField.readOnly("name2", 32, 8), ContextField.readOnly("name3", 40, 8),
                        ContextField.readOnly("user", 48, 4), ContextField.readOnly("wanted", 52, 4),
                        ContextField.readOnly("by_name", 56, 4), ContextField.readOnly("pad", 60, 4))));
    }

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
