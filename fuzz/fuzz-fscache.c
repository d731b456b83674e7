/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the scan cache parser (fs-cache-format.c), which reads a file srt wrote
 * but treats it as untrusted. Whatever the bytes: no crash, no leak, and a file that parses
 * serialises back to exactly the same bytes (so nothing is accepted that srt would not write,
 * apart from the checksum, which the fuzzer can only get right by copying a whole valid file).
 * The first byte chooses the limits (number of rules and of labels).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fs-cache-format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_cache_limits lim;
	struct fs_cache c;
	struct buf out = BUF_INIT;
	int r;

	if (size < 1)
		return 0;
	lim.n_rules = data[0] & 0x0f;
	lim.n_whys = (uint8_t)(data[0] >> 4);
	r = fs_cache_parse(data + 1, size - 1, &lim, &c);
	if (r == -ENOMEM)
		return 0;
	if (r < 0) {
		if (r != -EINVAL || c.key || c.watch || c.hits)
			__builtin_trap();
		return 0;
	}
	if (fs_cache_serialize(&c, &out) == 0 &&
	    (out.len != size - 1 || memcmp(out.data, data + 1, out.len) != 0))
		__builtin_trap();
	buf_free(&out);
	fs_cache_free(&c);
	return 0;
}
