// Test object: open-coded iterators as libbpf's bpf_for and bpf_repeat macros write them (declared here, as
// bpf_helpers.h of libbpf >= 1.2 does: this machine's libbpf-dev is older). The kfuncs are extern __ksym symbols the
// loader links to the runtime's own.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_iter_num {
    __u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

// As libbpf's bpf_for and bpf_repeat: the iterator lives in the loop's scope and is destroyed when the loop is left
#define bpf_for(i, start, end)                                                                      \
    for (struct bpf_iter_num it_ __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),         \
         *once_ = (bpf_iter_num_new(&it_, (start), (end)), (void *)0);                              \
         ({ int *v_ = bpf_iter_num_next(&it_); v_ ? ((i) = *v_, 1) : 0; }); (void)once_)

#define bpf_repeat(n)                                                                               \
    for (struct bpf_iter_num it_ __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),         \
         *once_ = (bpf_iter_num_new(&it_, 0, (n)), (void *)0);                                      \
         bpf_iter_num_next(&it_); (void)once_)

// The sum of [ctx[0], ctx[1]) (signed 32-bit bounds); a range the kfunc refuses is empty.
SEC("test/iter")
int sum_range(int *ctx)
{
    long sum = 0;
    int i;

    bpf_for(i, ctx[0], ctx[1])
        sum += i;
    return sum;
}

// Pairs (i, j) with 0 <= j < i < ctx[0]: one iterator inside another.
SEC("test/iter")
int count_pairs(int *ctx)
{
    int n = ctx[0], count = 0, i, j;

    bpf_for(i, 0, n)
        bpf_for(j, 0, i)
            count++;
    return count;
}

// ctx[0] repetitions that each write one byte of the buffer, the index checked against its length.
SEC("test/iter")
int fill(__u8 *ctx)
{
    int done = 0;

    bpf_repeat(ctx[0]) {
        if (done + 1 >= 16)
            break;
        ctx[1 + done] = 0xab;
        done++;
    }
    return done;
}

char LICENSE[] SEC("license") = "GPL";
