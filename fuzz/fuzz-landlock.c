/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Landlock description and status (landlock-spec.c), the data srt
 * hands srt-exec and srt-exec hands back. Whatever the bytes: no crash or leak; a parsed spec
 * respects every limit and invariant, serialises again, and that text parses to the same spec
 * and is byte for byte the input (the format has one spelling per spec); a status parses only
 * from exactly 16 bytes and encodes back to them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "landlock-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const struct landlock_spec *s)
{
	if ((s->parts & ~LL_PART_ALL) || s->n_connect > LANDLOCK_SPEC_MAX_PORTS ||
	    s->n_write > LANDLOCK_SPEC_MAX_PATHS)
		__builtin_trap();
	if ((s->n_connect && !(s->parts & LL_PART_NET)) || (s->n_write && !(s->parts & LL_PART_FS)))
		__builtin_trap();
	for (size_t i = 0; i < s->n_connect; i++)
		if (!s->connect[i])
			__builtin_trap();
	for (size_t i = 0; i < s->n_write; i++)
		if (s->write[i][0] != '/' || strlen(s->write[i]) > LANDLOCK_SPEC_MAX_PATH)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct landlock_spec s, t;
	struct landlock_status st;
	char *text = NULL;
	size_t len = 0;
	int r;

	r = landlock_spec_parse((const char *)data, size, &s);
	if (r == 0) {
		check_spec(&s);
		r = landlock_spec_serialize(&s, &text, &len);
		if (r == -ENOMEM) {
			landlock_spec_free(&s);
			return 0;
		}
		if (r < 0 || len != size || memcmp(text, data, size) != 0)
			__builtin_trap();
		if (landlock_spec_parse(text, len, &t) == 0) {
			if (t.require != s.require || t.parts != s.parts ||
			    t.n_connect != s.n_connect || t.n_write != s.n_write ||
			    memcmp(t.connect, s.connect, sizeof(s.connect)) != 0)
				__builtin_trap();
			for (size_t i = 0; i < s.n_write; i++)
				if (strcmp(t.write[i], s.write[i]) != 0)
					__builtin_trap();
			landlock_spec_free(&t);
		}
		free(text);
		landlock_spec_free(&s);
	} else if (r != -EINVAL && r != -E2BIG && r != -ENOMEM) {
		__builtin_trap();
	}

	r = landlock_status_parse(data, size, &st);
	if (r == 0) {
		unsigned char out[LANDLOCK_STATUS_SIZE];

		if (size != LANDLOCK_STATUS_SIZE)
			__builtin_trap();
		landlock_status_encode(&st, out);
		if (memcmp(out, data, size) != 0)
			__builtin_trap();
	}
	return 0;
}
