/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the file format of the filesystem scan cache (fs-scan.c), written by srt and read back
 * as untrusted input: every count and length is checked against the bytes that are left and
 * against fixed limits, every enum against its range, the whole file against a checksum, and
 * anything unexpected (trailing bytes included) refuses the whole file.
 *
 * Layout (native byte order; the file never leaves the machine):
 *   "SRTFSC02"
 *   u32 key length, key bytes            (the scan's inputs, compared byte for byte)
 *   zero bytes up to a multiple of 8
 *   i64 scan start (CLOCK_REALTIME s), i64 entries examined
 *   u32 watches, u32 hits, u64 string area length
 *   the watch records (struct fs_cache_wrec, fixed size)
 *   the string area: for each watch in order, its path, a NUL, and for FS_WATCH_LIST its
 *                    listing; each record's offsets must be exactly where its strings are
 *   the hit records: u8 kind, u8 type, u8 want, u8 why, u32 rule, u16 len, path
 *   u64 fs_cache_sum() of every byte before it
 * Paths are absolute, 1..FS_CACHE_MAX_PATH bytes, without NUL bytes.
 *
 * A listing is n entries (u8 d_type, u8 len, name) sorted by fs_cache_list_sort(). It is
 * opaque to the reader: its only use is a byte comparison with the directory's listing built
 * afresh the same way, so a listing srt would not have written can only compare unequal (a
 * cache miss). Only its length is checked on load.
 *
 * Why this shape (format 01 had variable-length watch records, each path and listing copied
 * into its own allocation, every listing entry checked, and a byte-wise FNV-1a sum): a
 * repeated scan must cost under 50 ms on a 300,000-file tree, and on the virtual machines srt
 * runs on a page fault costs about 12 us. The reader maps the file and reads everything in
 * place (fs_cache_view), so loading 18,000 watches touches no new memory but the hits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/strv.h"

#define FS_CACHE_MAGIC "SRTFSC02"
#define FS_CACHE_MAX_SIZE (64u * 1024 * 1024)
#define FS_CACHE_MAX_KEY (1024u * 1024)
#define FS_CACHE_MAX_WATCH 2000000u
#define FS_CACHE_MAX_HITS 2000000u
#define FS_CACHE_MAX_PATH 4095u

struct fs_scan_hit {
	char *path;    /* absolute */
	uint32_t rule; /* FS_HIT_RULE: index into the scan's rules */
	uint8_t kind;  /* enum fs_hit_kind (fs-scan.h) */
	uint8_t type;  /* enum node_type */
	uint8_t want;  /* NODE_MISSING: what a placeholder would be (NODE_DIR or NODE_OTHER) */
	uint8_t why;   /* FS_HIT_MANDATORY: index into mandatory_whys[] */
};

enum fs_watch_kind {
	FS_WATCH_STAT,	 /* identical lstat(): dev, ino, mode, mtime, ctime (and size if not a dir) */
	FS_WATCH_LIST,	 /* a directory whose listing (names, types) is kept: when its times
			  * changed (or `racy`), the listing is read again and compared */
	FS_WATCH_LOOKUP, /* only the node type at the path (`type`, enum node_type) matters */
};
#define FS_CACHE_MAX_LIST 100000u

struct fs_cache_watch {
	uint8_t kind, type, racy;
	uint64_t dev, ino, size;
	uint32_t mode;
	int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	char *path;
	char *list; /* FS_WATCH_LIST: the entries as stored (u8 d_type, u8 len, name), sorted */
	size_t list_len;
	uint32_t list_n;
};

/* Appends one listing entry; fs_cache_list_sort() then orders a listing (-EINVAL on a
 * duplicate name). */
int fs_cache_list_add(struct buf *list, const char *name, unsigned char d_type);
int fs_cache_list_sort(struct buf *list, uint32_t n);

/* One watch record as stored: 88 bytes, no padding, native order. Read with memcpy (the data
 * need not be aligned). */
struct fs_cache_wrec {
	uint8_t kind, type, racy, zero0;
	uint32_t mode;
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	uint32_t path_off, path_len; /* into the string area: path_len bytes, then a NUL */
	uint32_t list_off, list_len, list_n, zero1;
};

/* What the scan writes (fs_cache_serialize()). */
struct fs_cache {
	char *key; /* key_len bytes (not a C string) */
	size_t key_len;
	int64_t scan_start, entries;
	struct fs_cache_watch *watch;
	size_t n_watch;
	struct fs_scan_hit *hits;
	size_t n_hits;
};

/* Limits the parser enforces besides the format's own. */
struct fs_cache_limits {
	uint32_t n_rules;   /* a rule hit's index must be below */
	uint8_t n_whys;     /* a mandatory hit's why must be below */
};

/* What a file holds, read in place: everything but the hits points into the parsed data,
 * which must outlive the view. */
struct fs_cache_view {
	const char *key;
	size_t key_len;
	int64_t scan_start, entries;
	const unsigned char *wrecs; /* n_watch struct fs_cache_wrec */
	size_t n_watch;
	const char *strings;
	size_t strings_len;
	struct fs_scan_hit *hits; /* allocated, paths too */
	size_t n_hits;
};

/* Parses data. 0 with *ret filled (free with fs_cache_view_free()), -EINVAL for anything that
 * is not a well-formed file within the limits, -ENOMEM. */
int fs_cache_parse(const void *data, size_t len, const struct fs_cache_limits *lim,
		   struct fs_cache_view *ret);

/* Watch i of a parsed view: the record, its path and its listing (NULL when empty), pointing
 * into the parsed data. The record is read again here, and its offsets checked again: the data
 * may be a mapping of a file that another process of the user rewrites in place (false: treat
 * the cache as stale). */
struct fs_cache_wview {
	struct fs_cache_wrec rec;
	const char *path, *list;
};
bool fs_cache_view_watch(const struct fs_cache_view *v, size_t i, struct fs_cache_wview *ret);

void fs_cache_view_free(struct fs_cache_view *v);

/* Appends the file for c to out. 0, -E2BIG (beyond the limits), -ENOMEM. */
int fs_cache_serialize(const struct fs_cache *c, struct buf *out);


uint64_t fs_cache_fnv1a(const void *data, size_t len);

/* The file's checksum: a multiply-xor hash over 8-byte words. It refuses a torn or corrupted
 * file; it is no defence against the file's owner (the state directory is the user's own and
 * hidden in every sandbox). */
uint64_t fs_cache_sum(const void *data, size_t len);
