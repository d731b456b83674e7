/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the srt-launch protocol (launch-proto.c).
 *
 * The input is a request body (after the length prefix) and, after it, the same bytes read as
 * protocol lines. Checks: a parsed request has a valid token, an absolute or empty cwd and at
 * least one argument; building it again gives a prefix announcing exactly the input's length
 * followed by the input's bytes (one canonical form). Every line that parses formats back to
 * the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launch-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct launch_request q;
	const char *s = (const char *)data;

	if (launch_request_parse(s, size, &q) == 0) {
		struct buf b = BUF_INIT;

		if (strlen(q.token) != LAUNCH_TOKEN_LEN || (q.cwd[0] && q.cwd[0] != '/') ||
		    !q.argv[0])
			abort();
		if (launch_request_build(q.token, q.cwd, q.argv, q.env, &b) != 0)
			abort();
		if (b.len != size + 4 ||
		    launch_request_length((const unsigned char *)b.data) != (long)size ||
		    memcmp(b.data + 4, data, size) != 0)
			abort();
		buf_free(&b);
		launch_request_done(&q);
	}

	for (size_t start = 0; start < size;) {
		const char *nl = memchr(s + start, '\n', size - start);
		size_t len = nl ? (size_t)(nl - (s + start)) : size - start;
		enum launch_line_kind kind;
		const char *text;
		size_t tlen;
		long num;

		if (launch_line_parse(s + start, len, &kind, &num, &text, &tlen) == 0) {
			char out[LAUNCH_MAX_LINE], *t = NULL;
			size_t n;

			if (kind == LAUNCH_ERROR) {
				t = malloc(tlen + 1);
				if (!t)
					abort();
				memcpy(t, text, tlen);
				t[tlen] = '\0';
			}
			n = launch_line_format(out, kind, num, t);
			free(t);
			if (n != len + 1 || memcmp(out, s + start, len) != 0 || out[len] != '\n')
				abort();
		}
		start += len + 1;
	}
	return 0;
}
