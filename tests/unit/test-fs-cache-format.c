/* SPDX-License-Identifier: Apache-2.0 */
/* The scan cache's file format (fs-cache-format.c): a file written and read back in place
 * gives the same watches and hits; every kind of malformed file is refused, with a correct
 * checksum so that the check under test is the one that refuses it. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs-cache-format.h"
#include "tap.h"

static const struct fs_cache_limits lim = {.n_rules = 2, .n_whys = 8};

static char list_a[] = "\x04\x01" "a" "\x08\x03" "bcd"; /* two entries, sorted */

static void build(struct fs_cache *c, struct fs_cache_watch w[3], struct fs_scan_hit h[2])
{
	w[0] = (struct fs_cache_watch){.kind = FS_WATCH_STAT, .dev = 1, .ino = 2, .mode = 040755,
				       .mtime_sec = 3, .mtime_nsec = 4, .ctime_sec = 5,
				       .ctime_nsec = 6, .path = "/w/one"};
	w[1] = (struct fs_cache_watch){.kind = FS_WATCH_LIST, .racy = 1, .dev = 7, .ino = 8,
				       .mode = 040700, .path = "/w", .list = list_a,
				       .list_len = sizeof(list_a) - 1, .list_n = 2};
	w[2] = (struct fs_cache_watch){.kind = FS_WATCH_LOOKUP, .type = 2, .path = "/w/.git"};
	h[0] = (struct fs_scan_hit){.path = "/w/k.pem", .rule = 1, .kind = 0, .type = 2};
	h[1] = (struct fs_scan_hit){.path = "/w/.git/hooks", .kind = 1, .type = 1, .why = 7};
	*c = (struct fs_cache){.key = "KEY-bytes", .key_len = 9, .scan_start = 100, .entries = 42,
			       .watch = w, .n_watch = 3, .hits = h, .n_hits = 2};
}

static void reseal(struct buf *b)
{
	uint64_t sum = fs_cache_sum(b->data, b->len - 8);
	memcpy(b->data + b->len - 8, &sum, 8);
}

/* offset of the first watch record: magic, key length, key, padding, 2 x i64, 2 x u32, u64 */
static size_t wrecs_at(size_t key_len)
{
	size_t o = 8 + 4 + key_len;
	return ((o + 7) / 8) * 8 + 16 + 8 + 8;
}

/* parses b after f changed it (and the checksum was made right again) */
static int parse_changed(const struct buf *orig, void (*f)(struct buf *))
{
	struct buf b = BUF_INIT;
	struct fs_cache_view v;
	int r;

	if (buf_append(&b, orig->data, orig->len) < 0)
		return -ENOMEM;
	f(&b);
	reseal(&b);
	r = fs_cache_parse(b.data, b.len, &lim, &v);
	fs_cache_view_free(&v);
	buf_free(&b);
	return r;
}

#define REC(b, i) ((b)->data + wrecs_at(9) + (i) * sizeof(struct fs_cache_wrec))
static void bad_pad(struct buf *b) { b->data[8 + 4 + 9] = 1; }
static void bad_path_off(struct buf *b) { uint32_t x = 1; memcpy(REC(b, 1) + offsetof(struct fs_cache_wrec, path_off), &x, 4); }
static void bad_path_len(struct buf *b) { uint32_t x = 5; memcpy(REC(b, 0) + offsetof(struct fs_cache_wrec, path_len), &x, 4); }
static void bad_list_len(struct buf *b) { uint32_t x = 5; memcpy(REC(b, 1) + offsetof(struct fs_cache_wrec, list_len), &x, 4); }
static void list_on_stat(struct buf *b) { uint32_t x = 1; memcpy(REC(b, 0) + offsetof(struct fs_cache_wrec, list_n), &x, 4); }
static void bad_zero(struct buf *b) { REC(b, 2)[offsetof(struct fs_cache_wrec, zero0)] = 1; }
static void bad_kind(struct buf *b) { REC(b, 2)[0] = 3; }
static void racy_stat(struct buf *b) { REC(b, 0)[2] = 1; }
static void relative_path(struct buf *b) { b->data[wrecs_at(9) + 3 * sizeof(struct fs_cache_wrec)] = 'w'; }
static void nul_in_path(struct buf *b) { b->data[wrecs_at(9) + 3 * sizeof(struct fs_cache_wrec) + 2] = '\0'; }
static void many_watches(struct buf *b) { uint32_t x = 4; memcpy(b->data + wrecs_at(9) - 16, &x, 4); }
static void bad_rule(struct buf *b) { b->data[b->len - 8 - (2 + 13) - 8 - (2 + 8) - 4] = 2; }
static void trailing(struct buf *b) { buf_append(b, "\0\0\0\0\0\0\0\0", 8); }

int main(void)
{
	struct fs_cache_watch w[3];
	struct fs_scan_hit h[2];
	struct fs_cache c;
	struct fs_cache_view v;
	struct fs_cache_wview x;
	struct buf b = BUF_INIT, b2 = BUF_INIT;

	build(&c, w, h);
	is_int(fs_cache_serialize(&c, &b), 0, "a cache with a stat, a listing and a lookup is written");
	is_int(wrecs_at(9) % 8, 0, "the watch records start 8-aligned");
	is_int(fs_cache_parse(b.data, b.len, &lim, &v), 0, "and read back");
	is_int(v.n_watch, 3, "three watches");
	ok(v.key_len == 9 && memcmp(v.key, "KEY-bytes", 9) == 0, "the key, in place");
	is_int(v.scan_start, 100, "scan start");
	is_int(v.entries, 42, "entries");
	ok((const char *)v.key >= b.data && (const char *)v.key < b.data + b.len,
	   "the view points into the file's bytes (nothing copied)");
	ok(fs_cache_view_watch(&v, 0, &x), "watch 0 read back");
	is_str(x.path, "/w/one", "watch 0: path");
	ok(x.rec.kind == FS_WATCH_STAT && x.rec.dev == 1 && x.rec.ino == 2 && x.rec.mode == 040755 &&
		   x.rec.mtime_sec == 3 && x.rec.mtime_nsec == 4 && x.rec.ctime_sec == 5 &&
		   x.rec.ctime_nsec == 6 && x.list == NULL,
	   "watch 0: every field");
	ok(fs_cache_view_watch(&v, 1, &x), "watch 1 read back");
	is_str(x.path, "/w", "watch 1: path");
	ok(x.rec.kind == FS_WATCH_LIST && x.rec.racy == 1 && x.rec.list_n == 2 &&
		   x.rec.list_len == sizeof(list_a) - 1 && x.list &&
		   memcmp(x.list, list_a, sizeof(list_a) - 1) == 0,
	   "watch 1: the listing, byte for byte");
	ok(fs_cache_view_watch(&v, 2, &x), "watch 2 read back");
	ok(x.rec.kind == FS_WATCH_LOOKUP && x.rec.type == 2 && strcmp(x.path, "/w/.git") == 0,
	   "watch 2: a lookup");
	is_int(v.n_hits, 2, "two hits");
	is_str(v.hits[0].path, "/w/k.pem", "hit 0");
	ok(v.hits[1].kind == 1 && v.hits[1].why == 7 && strcmp(v.hits[1].path, "/w/.git/hooks") == 0,
	   "hit 1");
	{
		/* the file rewritten in place after the parse: the record's offsets are checked
		 * again when it is read */
		struct fs_cache_wview y;
		uint32_t big = 1u << 30;
		unsigned char *rec1 = (unsigned char *)b.data + wrecs_at(9) + sizeof(struct fs_cache_wrec);
		uint32_t save;

		memcpy(&save, rec1 + offsetof(struct fs_cache_wrec, list_len), 4);
		memcpy(rec1 + offsetof(struct fs_cache_wrec, list_len), &big, 4);
		ok(!fs_cache_view_watch(&v, 1, &y), "a listing length rewritten after the parse: refused on read");
		memcpy(rec1 + offsetof(struct fs_cache_wrec, list_len), &save, 4);
		memcpy(&save, rec1 + offsetof(struct fs_cache_wrec, path_off), 4);
		memcpy(rec1 + offsetof(struct fs_cache_wrec, path_off), &big, 4);
		ok(!fs_cache_view_watch(&v, 1, &y), "a path offset rewritten after the parse: refused on read");
		memcpy(rec1 + offsetof(struct fs_cache_wrec, path_off), &save, 4);
		ok(fs_cache_view_watch(&v, 1, &y), "restored: read again");
	}
	fs_cache_view_free(&v);

	/* a listing that is not sorted is stored and read as bytes: only a comparison uses it */
	w[1].list = "\x08\x03" "bcd" "\x04\x01" "a";
	is_int(fs_cache_serialize(&c, &b2), 0, "an unsorted listing is written as it is");
	is_int(fs_cache_parse(b2.data, b2.len, &lim, &v), 0, "and read as opaque bytes");
	fs_cache_view_free(&v);
	buf_free(&b2);
	w[1].list = list_a;

	b.data[b.len / 2] ^= 1;
	is_int(fs_cache_parse(b.data, b.len, &lim, &v), -EINVAL, "one flipped bit: checksum refuses it");
	b.data[b.len / 2] ^= 1;
	is_int(fs_cache_parse(b.data, b.len - 1, &lim, &v), -EINVAL, "a truncated file is refused");
	is_int(parse_changed(&b, bad_pad), -EINVAL, "padding after the key must be zero");
	is_int(parse_changed(&b, bad_path_off), -EINVAL, "a path offset that is not where its path is");
	is_int(parse_changed(&b, bad_path_len), -EINVAL, "a path length that runs past its NUL");
	is_int(parse_changed(&b, bad_list_len), -EINVAL, "a listing length too small for its entries");
	is_int(parse_changed(&b, list_on_stat), -EINVAL, "a listing on a stat record");
	is_int(parse_changed(&b, bad_zero), -EINVAL, "a reserved byte that is not zero");
	is_int(parse_changed(&b, bad_kind), -EINVAL, "an unknown watch kind");
	is_int(parse_changed(&b, racy_stat), -EINVAL, "racy on a stat record");
	is_int(parse_changed(&b, relative_path), -EINVAL, "a relative path");
	is_int(parse_changed(&b, nul_in_path), -EINVAL, "a NUL inside a path");
	is_int(parse_changed(&b, many_watches), -EINVAL, "a watch count beyond the records");
	is_int(parse_changed(&b, bad_rule), -EINVAL, "a hit whose rule index is beyond the rules");
	is_int(parse_changed(&b, trailing), -EINVAL, "trailing bytes");

	w[0].path = "relative";
	is_int(fs_cache_serialize(&c, &b2), -E2BIG, "the writer refuses a relative path");
	buf_free(&b2);
	buf_free(&b);
	return tap_exit();
}
