// Counts the letters of a text: the host runs it on a buffer (SEC("mem"): r1 = the bytes, r2 = their length) and
// reads the counts back from the array map "letters" (key: 0 for 'a' .. 25 for 'z', value: u64 count; key 26 counts
// every other byte). Returns the number of bytes it read: at most 4096.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define OTHER 26

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 27);
} letters SEC(".maps");

SEC("mem")
int count_letters(unsigned char *text, unsigned long len)
{
    unsigned long i;
    // The verifier needs a bound it can prove: every read is below len, and the loop ends after 4 KiB at most.
    for (i = 0; i < len && i < 4096; i++) {
        __u32 c = text[i] | 0x20; // ASCII letters to lower case
        __u32 key = c >= 'a' && c <= 'z' ? c - 'a' : OTHER;
        __u64 *count = bpf_map_lookup_elem(&letters, &key);
        if (count) // an array lookup inside its bounds cannot fail, but the verifier asks for the check
            __sync_fetch_and_add(count, 1);
    }
    return i;
}

char LICENSE[] SEC("license") = "GPL";
