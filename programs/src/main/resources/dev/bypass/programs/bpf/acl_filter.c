// Access-control filter after the kernel-mode database designs: a table of File records (device, inode,
// name, owner, default access, ACL vector of (user, rights)) stored in the array "files", reached
// through two hash indexes, by (device, inode) and by name. On an open the program finds the record
// and decides: the owner gets everything; a user listed in the ACL gets the listed rights; anyone else
// gets the default access. Returns 1 (allow), 0 (deny) or 2 (no such file); counts decisions per CPU.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NAME_LEN 32
#define ACL_LEN 8
#define MAX_FILES 1024

#define ACCESS_READ 4
#define ACCESS_WRITE 2
#define ACCESS_EXEC 1

struct acl_entry {
    __u32 user;
    __u32 rights;
};

struct file_record {
    __u64 device;
    __u64 inode;
    char name[NAME_LEN];
    __u32 owner;
    __u32 default_access;
    __u32 acl_count;
    __u32 pad;
    struct acl_entry acl[ACL_LEN];
};

struct devino {
    __u64 device;
    __u64 inode;
};

struct file_name {
    char name[NAME_LEN];
};

struct open_request {
    __u64 device;
    __u64 inode;
    char name[NAME_LEN];
    __u32 user;
    __u32 wanted;
    __u32 by_name;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct file_record);
    __uint(max_entries, MAX_FILES);
} files SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct devino);
    __type(value, __u32);
    __uint(max_entries, MAX_FILES);
} by_devino SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct file_name);
    __type(value, __u32);
    __uint(max_entries, MAX_FILES);
} by_name SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 3);
} decisions SEC(".maps");

static __always_inline int decide(struct open_request *req)
{
    __u32 *id;
    if (req->by_name) {
        struct file_name key = {};
        __builtin_memcpy(key.name, req->name, NAME_LEN);
        id = bpf_map_lookup_elem(&by_name, &key);
    } else {
        struct devino key = { .device = req->device, .inode = req->inode };
        id = bpf_map_lookup_elem(&by_devino, &key);
    }
    if (!id)
        return 2;
    __u32 index = *id;
    struct file_record *f = bpf_map_lookup_elem(&files, &index);
    if (!f)
        return 2;
    __u32 wanted = req->wanted;
    if (f->owner == req->user)
        return 1;
    __u32 n = f->acl_count;
    for (__u32 i = 0; i < ACL_LEN; i++) {
        if (i >= n)
            break;
        if (f->acl[i].user == req->user)
            return (f->acl[i].rights & wanted) == wanted;
    }
    return (f->default_access & wanted) == wanted;
}

SEC("bypass/acl")
int check_open(struct open_request *req)
{
    int verdict = decide(req);
    __u32 k = verdict;
    __u64 *count = bpf_map_lookup_elem(&decisions, &k);
    if (count)
        *count += 1; // per-CPU slot: no other writer
    return verdict;
}

char LICENSE[] SEC("license") = "GPL";
