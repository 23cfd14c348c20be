package dev.bypass.vm.helpers;

/** Linux {@code enum bpf_func_id} values of the helpers Bypass implements. */
public final class HelperIds {
    private HelperIds() {}

    public static final int MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, MAP_DELETE_ELEM = 3, KTIME_GET_NS = 5,
            TRACE_PRINTK = 6, GET_PRANDOM_U32 = 7, GET_SMP_PROCESSOR_ID = 8, TAIL_CALL = 12,
            GET_CURRENT_PID_TGID = 14, MAP_PUSH_ELEM = 87, MAP_POP_ELEM = 88, MAP_PEEK_ELEM = 89, SPIN_LOCK = 93,
            SPIN_UNLOCK = 94, KTIME_GET_BOOT_NS = 125, RINGBUF_OUTPUT = 130, RINGBUF_RESERVE = 131,
            RINGBUF_SUBMIT = 132, RINGBUF_DISCARD = 133, RINGBUF_QUERY = 134, LOOP = 181, PROBE_READ = 4,
            GET_CURRENT_UID_GID = 15, GET_CURRENT_COMM = 16, GET_NUMA_NODE_ID = 42, PROBE_READ_STR = 45,
            PROBE_READ_USER = 112, PROBE_READ_KERNEL = 113, PROBE_READ_USER_STR = 114, PROBE_READ_KERNEL_STR = 115,
            JIFFIES64 = 118, KTIME_GET_COARSE_NS = 160, FOR_EACH_MAP_ELEM = 164, MAP_LOOKUP_PERCPU_ELEM = 195,
            KTIME_GET_TAI_NS = 208;
}
