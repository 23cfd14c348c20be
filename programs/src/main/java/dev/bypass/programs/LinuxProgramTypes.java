package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Linux program types as Bypass models them, and the section names by which libbpf selects Linux types (so that a
 * section naming an unmodelled type is refused instead of loading as a permissive raw program).
 *
 * <p>{@link #SOCKET} ({@code SEC("socket")}, Linux's {@code BPF_PROG_TYPE_SOCKET_FILTER}): r1 points to a
 * {@code struct __sk_buff} of 192 bytes. Its fields are readable as Linux lets socket filters read them (whole or in
 * naturally aligned narrower parts; not {@code data}, {@code data_end}, {@code data_meta}, {@code tc_classid},
 * the socket address fields, {@code tstamp}, {@code wire_len}, {@code hwtstamp}, {@code flow_keys}); only
 * {@code cb[0..4]} is writable; the packet is reached with legacy packet loads and {@code bpf_skb_load_bytes}. The
 * {@code sk} field (a socket pointer on Linux) is not modelled: reading it is refused. Helpers are those Linux
 * gives a privileged socket filter, as far as this runtime implements them.
 */
public final class LinuxProgramTypes {
    private LinuxProgramTypes() {}

    /** {@code sizeof(struct __sk_buff)} in Linux's uapi. */
    public static final int SK_BUFF_SIZE = 192;

    public static final ContextLayout SK_BUFF = ContextLayout.of("__sk_buff", SK_BUFF_SIZE,
                    ContextField.readOnly("len", 0, 4), ContextField.readOnly("pkt_type", 4, 4), ContextField.readOnly("mark", 8, 4),
                    ContextField.readOnly("queue_mapping", 12, 4), ContextField.readOnly("protocol", 16, 4),
                    ContextField.readOnly("vlan_present", 20, 4), ContextField.readOnly("vlan_tci", 24, 4),
                    ContextField.readOnly("vlan_proto", 28, 4), ContextField.readOnly("priority", 32, 4),
                    ContextField.readOnly("ingress_ifindex", 36, 4), ContextField.readOnly("ifindex", 40, 4),
                    ContextField.readOnly("tc_index", 44, 4), ContextField.scratch("cb", 48, 20),
                    ContextField.readOnly("hash", 68, 4), ContextField.readOnly("napi_id", 84, 4),
                    ContextField.readOnly("gso_segs", 164, 4), ContextField.readOnly("gso_size", 176, 4));

    /** Linux helper ids a privileged socket filter may call (the base set, plus the socket filter's own). */
    public static final Set<Integer> SOCKET_HELPERS = Set.copyOf(IntStream.of(
            // base: maps, time, randomness, CPU, tail calls, ring buffers, iteration
            1, 2, 3, 87, 88, 89, 195, 5, 125, 160, 208, 7, 8, 42, 12, 130, 131, 132, 133, 134, 164, 181, 182,
            // privileged (CAP_BPF): spin locks, jiffies, per-CPU pointers, timers, kptrs, dynptrs, user ring buffers
            93, 94, 118, 153, 154, 169, 170, 171, 172, 173, 194, 197, 198, 199, 200, 201, 202, 203, 209, 210, 211,
            // privileged (CAP_PERFMON): tracing output and kernel reads
            6, 177, 149, 165, 112, 113, 114, 115, 35, 158, 175,
            // socket filter: packet bytes, socket identity, perf events
            26, 68, 46, 47, 25).boxed().toList());

    public static final ProgramType SOCKET = new ProgramType("socket", "socket", SK_BUFF, SOCKET_HELPERS, true);

    /**
     * First section-name components by which libbpf selects a Linux program type ({@code kprobe/sys_open} selects
     * kprobe), with the type's name for messages.
     */
    private static final Map<String, String> LINUX_SECTIONS = linuxSections();

    private static Map<String, String> linuxSections() {
        Map<String, String> m = new java.util.HashMap<>();
        String[][] byType = {
                {"socket_filter", "socket"}, {"sk_reuseport", "sk_reuseport"},
                {"kprobe", "kprobe", "kretprobe", "uprobe", "uretprobe", "uprobe.s", "uretprobe.s", "kprobe.multi", "kretprobe.multi",
                        "kprobe.session", "uprobe.multi", "uretprobe.multi", "uprobe.multi.s", "uretprobe.multi.s", "uprobe.session",
                        "uprobe.session.s", "ksyscall", "kretsyscall", "usdt", "usdt.s"},
                {"sched_cls", "tc", "classifier", "tcx", "netkit"}, {"sched_act", "action"},
                {"tracepoint", "tracepoint", "tp"}, {"raw_tracepoint", "raw_tracepoint", "raw_tp"},
                {"raw_tracepoint_writable", "raw_tracepoint.w", "raw_tp.w"},
                {"tracing", "tp_btf", "fentry", "fmod_ret", "fexit", "fentry.s", "fmod_ret.s", "fexit.s", "freplace", "iter", "iter.s"},
                {"lsm", "lsm", "lsm.s", "lsm_cgroup"}, {"syscall", "syscall"}, {"xdp", "xdp", "xdp.frags"},
                {"perf_event", "perf_event"}, {"lwt_in", "lwt_in"}, {"lwt_out", "lwt_out"}, {"lwt_xmit", "lwt_xmit"},
                {"lwt_seg6local", "lwt_seg6local"}, {"sock_ops", "sockops"}, {"sk_skb", "sk_skb"}, {"sk_msg", "sk_msg"},
                {"lirc_mode2", "lirc_mode2"}, {"flow_dissector", "flow_dissector"}, {"cgroup_skb", "cgroup_skb"},
                {"cgroup", "cgroup"}, {"struct_ops", "struct_ops", "struct_ops.s"}, {"sk_lookup", "sk_lookup"},
                {"netfilter", "netfilter"}};
        for (String[] t : byType) for (int i = 1; i < t.length; i++) m.put(t[i], t[0]);
        return Map.copyOf(m);
    }

    /** The Linux program type a section name selects (by libbpf's rules), or null for a custom section. */
    public static String linuxTypeOf(String section) {
        if (section.startsWith("?")) section = section.substring(1);
        int slash = section.indexOf('/');
        return LINUX_SECTIONS.get(slash < 0 ? section : section.substring(0, slash));
    }
}
