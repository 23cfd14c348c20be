// Store helpers (dev.bypass.txnstore.programs.StoreHelpers): a program runs one transaction at a time.
#ifndef BYPASS_STORE_HELPERS_H
#define BYPASS_STORE_HELPERS_H
#include <linux/types.h>

#define STORE_SERIALIZABLE 0
#define STORE_SNAPSHOT 1
#define STORE_ENOENT 2
#define STORE_EAGAIN 11

static long (*store_begin)(__u64 isolation) = (void *)10200;
static long (*store_table)(const char *name, __u32 len) = (void *)10201;
static long (*store_get)(__u32 table, const void *key, __u32 klen, void *val, __u32 vlen) = (void *)10202;
static long (*store_put)(__u32 table, const void *key, __u32 klen, const void *val, __u32 vlen) = (void *)10203;
static long (*store_delete)(__u32 table, const void *key, __u32 klen) = (void *)10204;
// store_scan calls callback(key, klen, value, vlen, ctx) per row from `from` on, until it returns 1 (0 goes on).
// key and value are read-only and at least STORE_SCAN_VIEW bytes long (zeros past klen/vlen), so a verified
// callback may read that many bytes of each without knowing the row's lengths.
#define STORE_SCAN_VIEW 64
static long (*store_scan)(__u32 table, const void *from, __u32 flen, void *callback, void *ctx) = (void *)10205;
static long (*store_commit)(void) = (void *)10206;
static long (*store_abort)(void) = (void *)10207;

// Procedure arguments: the raw context is up to eight u64s.
struct args {
    __u64 a[8];
};

#define TABLE(name) store_table(name, sizeof(name) - 1)
#endif
