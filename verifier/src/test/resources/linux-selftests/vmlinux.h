/* Stand-in for a vmlinux.h generated from kernel BTF: the uapi definitions plus the few kernel types the
 * selftests' bpf_experimental.h declares by value (open-coded iterator state, graph roots and nodes). */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__
#include <linux/types.h>
#include <linux/bpf.h>
typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;
typedef _Bool bool;
typedef __u64 size_t;
enum { false = 0, true = 1 };
struct bpf_iter_bits { __u64 __opaque[2]; } __attribute__((aligned(8)));
struct bpf_iter_task_vma { __u64 __opaque[1]; } __attribute__((aligned(8)));
struct bpf_iter_css_task { __u64 __opaque[1]; } __attribute__((aligned(8)));
struct bpf_iter_task { __u64 __opaque[3]; } __attribute__((aligned(8)));
struct bpf_iter_css { __u64 __opaque[3]; } __attribute__((aligned(8)));
#endif
