package dev.bypass.observability;

import dev.bypass.programs.BundledPrograms;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.programs.ProgramTypes;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;

/**
 * Program types of the observability hooks. Their context layouts are the C structs the programs declare:
 *
 * <pre>{@code
 * struct method_ctx {          // bypass/method: entry or exit of an instrumented Java method
 *     __u32 probe;             // which attach point (index in the agent's configuration)
 *     __u32 phase;             // 0 entry, 1 exit
 *     __u64 thread_id;         // Java thread id
 *     __u64 args[8];           // arguments as numbers (see MethodContext)
 *     __u64 ret;               // return value at exit
 *     __u64 elapsed_ns;        // time since entry, at exit
 *     __u32 nargs;
 *     __u32 flags;             // bit 0: the method is static (no receiver)
 * };
 * struct probe_ctx {           // bypass/probe: static probe points in host code (TScout style)
 *     __u32 kind;              // 0 BEGIN, 1 END, 2 FEATURES, 3 FLUSH
 *     __u32 unit;              // operating unit id
 *     __u64 thread_id;
 *     __u64 time_ns;           // monotonic clock at the probe
 *     __u64 cpu_ns;            // CPU time of the calling thread
 *     __u64 alloc_bytes;       // bytes allocated by the calling thread so far
 *     __u64 features[8];       // FEATURES only
 *     __u32 nfeatures;
 *     __u32 pad;
 * };
 * }</pre>
 */
public final class ProbeTypes {
    private ProbeTypes() {}

    public static final int METHOD_CTX_SIZE = 104, PROBE_CTX_SIZE = 112, MAX_ARGS = 8, MAX_FEATURES = 8;

    public static final ProgramType METHOD = new ProgramType("method", "bypass/method", ContextLayout.of("method_ctx", METHOD_CTX_SIZE,
            ContextField.readOnly("probe", 0, 4), ContextField.readOnly("phase", 4, 4), ContextField.readOnly("thread_id", 8, 8),
            ContextField.readOnly("args0", 16, 8), ContextField.readOnly("args1", 24, 8), ContextField.readOnly("args2", 32, 8),
            ContextField.readOnly("args3", 40, 8), ContextField.readOnly("args4", 48, 8), ContextField.readOnly("args5", 56, 8),
            ContextField.readOnly("args6", 64, 8), ContextField.readOnly("args7", 72, 8), ContextField.readOnly("ret", 80, 8),
            ContextField.readOnly("elapsed_ns", 88, 8), ContextField.readOnly("nargs", 96, 4), ContextField.readOnly("flags", 100, 4)));

    public static final ProgramType PROBE = new ProgramType("probe", "bypass/probe", ContextLayout.of("probe_ctx", PROBE_CTX_SIZE,
            ContextField.readOnly("kind", 0, 4), ContextField.readOnly("unit", 4, 4), ContextField.readOnly("thread_id", 8, 8),
            ContextField.readOnly("time_ns", 16, 8), ContextField.readOnly("cpu_ns", 24, 8), ContextField.readOnly("alloc_bytes", 32, 8),
            ContextField.readOnly("features0", 40, 8), ContextField.readOnly("features1", 48, 8), ContextField.readOnly("features2", 56, 8),
            ContextField.readOnly("features3", 64, 8), ContextField.readOnly("features4", 72, 8), ContextField.readOnly("features5", 80, 8),
            ContextField.readOnly("features6", 88, 8), ContextField.readOnly("features7", 96, 8),
            ContextField.readOnly("nfeatures", 104, 4), ContextField.readOnly("pad", 108, 4)));

    /** The bundled programs' types plus the method and probe types. */
    public static ProgramTypes all() { return BundledPrograms.types().register(METHOD).register(PROBE); }
}
