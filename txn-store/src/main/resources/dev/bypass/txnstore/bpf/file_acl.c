// The File/ACL access-control tables of acl_filter.c kept in the store instead of maps: table "files" maps
// (device, inode) to a file record, and table "files_by_name" maps a 32-byte name to (device, inode) — a
// secondary index a host keeps in the same transactions. check_open reads both in one snapshot transaction
// (never blocks, never aborts) and decides like acl_filter: the owner gets everything, an ACL entry gets its
// rights, anyone else the default access. Returns 1 (allow), 0 (deny) or 2 (no such file).
// grant writes an ACL entry: args = device, inode, user, rights; returns 0, 2 (no such file), 3 (ACL full).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "store_helpers.h"

#define NAME_LEN 32
#define ACL_LEN 8

struct acl_entry { __u32 user, rights; };
struct file_record {
    __u64 device, inode;
    char name[NAME_LEN];
    __u32 owner, default_access, acl_count, pad;
    struct acl_entry acl[ACL_LEN];
};
struct devino { __u64 device, inode; };
struct file_name { char name[NAME_LEN]; };
struct open_request {
    __u64 device, inode;
    char name[NAME_LEN];
    __u32 user, wanted, by_name, pad;
};

SEC("bypass/txn")
int check_open(struct open_request *req)
{
    struct devino key = { req->device, req->inode };
    struct file_record f;
    int verdict = 2;
    if (store_begin(STORE_SNAPSHOT) < 0)
        return -1;
    long files = TABLE("files"), names = TABLE("files_by_name");
    if (req->by_name) {
        struct file_name fn = {};
        __builtin_memcpy(fn.name, req->name, NAME_LEN);
        if (store_get(names, &fn, sizeof(fn), &key, sizeof(key)) != sizeof(key))
            goto out;
    }
    if (store_get(files, &key, sizeof(key), &f, sizeof(f)) != sizeof(f))
        goto out;
    __u32 wanted = req->wanted;
    if (f.owner == req->user) {
        verdict = 1;
        goto out;
    }
    __u32 n = f.acl_count;
    for (__u32 i = 0; i < ACL_LEN; i++) {
        if (i >= n)
            break;
        if (f.acl[i].user == req->user) {
            verdict = (f.acl[i].rights & wanted) == wanted;
            goto out;
        }
    }
    verdict = (f.default_access & wanted) == wanted;
out:
    store_commit();
    return verdict;
}

SEC("bypass/txn")
int grant(struct args *ctx)
{
    struct devino key = { ctx->a[0], ctx->a[1] };
    __u32 user = ctx->a[2], rights = ctx->a[3];
    struct file_record f;
    if (store_begin(STORE_SERIALIZABLE) < 0)
        return -1;
    long files = TABLE("files");
    if (store_get(files, &key, sizeof(key), &f, sizeof(f)) != sizeof(f)) {
        store_abort();
        return 2;
    }
    __u32 n = f.acl_count;
    for (__u32 i = 0; i < ACL_LEN; i++) {
        if (i >= n)
            break;
        if (f.acl[i].user == user) {
            f.acl[i].rights = rights;
            goto write;
        }
    }
    if (n >= ACL_LEN) {
        store_abort();
        return 3;
    }
    f.acl[n & (ACL_LEN - 1)].user = user;
    f.acl[n & (ACL_LEN - 1)].rights = rights;
    f.acl_count = n + 1;
write:
    store_put(files, &key, sizeof(key), &f, sizeof(f));
    return store_commit();
}

char LICENSE[] SEC("license") = "GPL";
