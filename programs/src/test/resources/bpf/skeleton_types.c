// Test object: nested arrays, arrays of structs, char arrays, unions and enums for the skeleton generator.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct cell { __u16 v; __u8 flags; };
struct grid { struct cell cells[3][4]; __u32 dims[2][2]; char names[2][8]; __s64 total; union { __u32 a; __u64 b; } u; enum { RED, GREEN } color; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, struct cell); __type(value, struct grid); __uint(max_entries, 4); } grids SEC(".maps");
SEC("raw/nested") int nested(void *ctx) { struct cell k = {1, 2}; struct grid *g = bpf_map_lookup_elem(&grids, &k); return g ? g->total : -1; }
char LICENSE[] SEC("license") = "GPL";
