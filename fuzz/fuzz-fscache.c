/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the scan cache parser (fs-cache-format.c), which reads a file srt wrote
 * but treats it as untrusted. Whatever the bytes: no crash, no leak, and a file that parses
 * serialises back to exactly the same bytes (so nothing is accepted that srt would not write).
 * The first byte chooses the limits (number of rules and of labels). The harness writes the
 * right checksum over the last 8 bytes before parsing, so that mutations reach the structure
 * checks instead of all dying at the checksum (which test-fs-cache-format checks on its own).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs-cache-format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_cache_limits lim;
	struct fs_cache_view v;
	struct fs_cache c = {0};
	struct buf out = BUF_INIT;
	uint8_t *copy;
	int r;

	if (size < 1)
		return 0;
	lim.n_rules = data[0] & 0x0f;
	lim.n_whys = (uint8_t)(data[0] >> 4);
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (size - 1 >= 16) {
		uint64_t sum = fs_cache_sum(copy, size - 1 - 8);
		memcpy(copy + size - 1 - 8, &sum, 8);
	}
	r = fs_cache_parse(copy, size - 1, &lim, &v);
	if (r == -ENOMEM) {
		free(copy);
		return 0;
	}
	if (r < 0) {
		if (r != -EINVAL || v.key || v.wrecs || v.hits)
			__builtin_trap();
		free(copy);
		return 0;
	}
	/* every watch read back in place, then the whole file written again */
	c.key = (char *)(uintptr_t)v.key;
	c.key_len = v.key_len;
	c.scan_start = v.scan_start;
	c.entries = v.entries;
	c.watch = calloc(v.n_watch ? v.n_watch : 1, sizeof(*c.watch));
	if (c.watch) {
		for (size_t i = 0; i < v.n_watch; i++) {
			struct fs_cache_wview w;
			struct fs_cache_watch *o = &c.watch[i];

			if (!fs_cache_view_watch(&v, i, &w) || w.path[0] != '/' ||
			    strlen(w.path) != w.rec.path_len)
				__builtin_trap();
			*o = (struct fs_cache_watch){
				.kind = w.rec.kind, .type = w.rec.type, .racy = w.rec.racy,
				.dev = w.rec.dev, .ino = w.rec.ino, .size = w.rec.size,
				.mode = w.rec.mode, .mtime_sec = w.rec.mtime_sec,
				.mtime_nsec = w.rec.mtime_nsec, .ctime_sec = w.rec.ctime_sec,
				.ctime_nsec = w.rec.ctime_nsec,
				/* only read by the serialiser */
				.path = (char *)(uintptr_t)w.path,
				.list = (char *)(uintptr_t)w.list,
				.list_len = w.rec.list_len, .list_n = w.rec.list_n};
		}
		c.n_watch = v.n_watch;
		c.hits = v.hits;
		c.n_hits = v.n_hits;
		if (fs_cache_serialize(&c, &out) == 0 &&
		    (out.len != size - 1 || memcmp(out.data, copy, out.len) != 0))
			__builtin_trap();
	}
	buf_free(&out);
	free(c.watch);
	fs_cache_view_free(&v);
	free(copy);
	return 0;
}
