// Test object for RecordWriter: a record struct with every kind of member the writer meets (signed and unsigned
// integers of each size, a char array, an integer array, a nested struct).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct mixed {
    __s8 tiny;
    __u8 small;
    __s16 shorty;
    __u16 ushort;
    __s32 medium;
    __u32 umedium;
    __s64 big;
    __u64 ubig;
    char name[12];
    __u32 pair[2];
    struct { __u16 a; __s16 b; } inner;
};

struct mixed mixed_type_anchor;

char LICENSE[] SEC("license") = "GPL";
