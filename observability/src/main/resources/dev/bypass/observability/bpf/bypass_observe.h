// Context structs and helpers of Bypass observability hooks (see dev.bypass.observability.ProbeTypes).
#ifndef BYPASS_OBSERVE_H
#define BYPASS_OBSERVE_H
#include <linux/bpf.h>

struct method_ctx {
    __u32 probe;
    __u32 phase;       // 0 entry, 1 exit
    __u64 thread_id;
    __u64 args[8];
    __u64 ret;
    __u64 elapsed_ns;  // exit only
    __u32 nargs;
    __u32 flags;       // bit 0: static method
};

enum probe_kind { PROBE_BEGIN = 0, PROBE_END = 1, PROBE_FEATURES = 2, PROBE_FLUSH = 3 };

struct probe_ctx {
    __u32 kind;
    __u32 unit;
    __u64 thread_id;
    __u64 time_ns;
    __u64 cpu_ns;
    __u64 alloc_bytes;
    __u64 features[8];
    __u32 nfeatures;
    __u32 pad;
};

#define BYPASS_ARG_RECEIVER 255
#define BYPASS_ARG_RETURN 254

// Copies a Java argument (String as UTF-8, byte[] as is, other objects by toString) into dst.
static long (*bypass_arg_bytes)(__u32 index, void *dst, __u32 size) = (void *) 10300;
// Normalises SQL text in place (literals become ?, spacing collapsed); returns its 64-bit fingerprint.
static __u64 (*bypass_normalize_sql)(void *text, __u32 size) = (void *) 10301;
// Both of the above in one call, read once per argument object (found by identity afterwards): the normalised
// text of argument index (its first size bytes) into dst, its fingerprint into *fingerprint; returns the text's
// length or a negative errno. For objects whose text never changes (String, pgjdbc's Query).
static long (*bypass_arg_sql)(__u32 index, void *dst, __u32 size, __u64 *fingerprint) = (void *) 10302;

#endif
