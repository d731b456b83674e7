/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the macOS log-stream parser (macos/sandbox-log.c).
 *
 * The input is a log stream. It is fed to a monitor in one piece, then again cut into pieces
 * whose sizes come from the input's own bytes, and each line alone to sblog_parse_line().
 * These must hold:
 *   - both feedings give the same events, in the same order (lines split across reads are
 *     never lost or changed: reference bug B11);
 *   - every field of every event is NUL-terminated within its array, the operation is
 *     non-empty, the pid is not negative, and the kind is a valid violation kind;
 *   - an event whose tag was on its own line has tagged set.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macos/sandbox-log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SESSION UINT64_C(0x00000000000000ab)
#define MAX_EVENTS 64

struct got {
	struct sblog_event ev[MAX_EVENTS];
	size_t n, total;
};

static int collect(void *ud, const struct sblog_event *ev)
{
	struct got *g = ud;

	if (memchr(ev->process, '\0', sizeof(ev->process)) == NULL ||
	    memchr(ev->operation, '\0', sizeof(ev->operation)) == NULL ||
	    memchr(ev->target, '\0', sizeof(ev->target)) == NULL || ev->operation[0] == '\0' ||
	    ev->pid < 0 || !ev->tagged)
		abort();
	srt_violation_kind k = sblog_kind(ev);
	if (k < SRT_VIOLATION_NETWORK || k > SRT_VIOLATION_SYSCALL)
		abort();
	if (g->n < MAX_EVENTS)
		g->ev[g->n++] = *ev;
	g->total++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct got a, b;
	struct sblog_monitor m;
	const char *s = (const char *)data;

	if (size > 1 << 20)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	sblog_monitor_init(&m, SESSION, collect, &a);
	sblog_monitor_feed(&m, s, size);
	sblog_monitor_finish(&m);

	sblog_monitor_init(&m, SESSION, collect, &b);
	for (size_t off = 0, i = 0; off < size; i++) {
		size_t piece = 1 + data[i % size] % 97;
		if (piece > size - off)
			piece = size - off;
		sblog_monitor_feed(&m, s + off, piece);
		off += piece;
	}
	sblog_monitor_finish(&m);

	if (a.total != b.total || a.n != b.n || memcmp(a.ev, b.ev, a.n * sizeof(a.ev[0])) != 0)
		abort();

	/* each line alone: never reads past its end */
	for (size_t off = 0; off < size;) {
		const char *nl = memchr(s + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (s + off)) : size - off;
		char *copy = malloc(len ? len : 1);
		struct sblog_event ev;
		uint64_t child;

		if (!copy)
			return 0;
		memcpy(copy, s + off, len);
		(void)sblog_parse_line(copy, len, SESSION, &ev);
		(void)sblog_parse_tag_line(copy, len, SESSION, &child);
		free(copy);
		off += len + 1;
	}
	return 0;
}
