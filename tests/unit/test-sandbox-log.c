/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The macOS log-stream parser (macos/sandbox-log.c) on Linux.
 *
 * ALL SAMPLE LINES HERE ARE SYNTHESISED: no Mac was available. They follow the shape of
 * `log stream --style compact` output and of the kernel's "Sandbox: NAME(PID) deny(N) OP
 * TARGET" reports as published (the reference's parser, srt-behaviour.md 6.6, expects the same
 * shape); the session tag after the target, or on the next line, is srt's own. When a real
 * capture exists, add it as tests/data/macos/log-*.txt and extend this test.
 *
 * Checked: field extraction (names with spaces and parentheses, targets with spaces, no
 * target), the tag on the same or the next line, other sessions' and untagged reports
 * skipped, every split of a stream into two reads giving the same events (reference B11),
 * several reports in one read, over-long lines and NUL bytes dropped and counted, CRLF, and
 * the violations recorded into a store.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "macos/sandbox-log.h"
#include "shared/macro.h"
#include "violations.h"

#define SESSION UINT64_C(0x00000000000000ab)
#define TAG "srt_00000000000000ab"

/* synthesised */
static const char stream[] =
    "Filtering the log data using \"eventMessage CONTAINS \\\"srt_00000000000000ab_\\\"\"\n"
    "Timestamp               Ty Process[PID:TID]\n"
    "2026-03-02 09:14:03.481 E  kernel[0:2f1c] (Sandbox) Sandbox: curl(51234) deny(1) "
    "network-outbound 93.184.216.34:443 " TAG "_7\n"
    "2026-03-02 09:14:03.502 E  kernel[0:2f1c] (Sandbox) Sandbox: bash(51230) deny(1) "
    "file-write-create /Users/alice/proj/.git/hooks/pre-commit " TAG "_7\n"
    "2026-03-02 09:14:03.519 E  kernel[0:2f1d] (Sandbox) Sandbox: Code Helper (Renderer)(812) "
    "deny(2) file-read-data /Users/alice/.ssh/id ed25519 " TAG "_8\n"
    "2026-03-02 09:14:03.533 E  kernel[0:2f1d] (Sandbox) Sandbox: node(4410) deny(1) "
    "network-outbound /private/var/run/docker.sock\n"
    "  " TAG "_9\n"
    "2026-03-02 09:14:03.540 E  kernel[0:2f1d] (Sandbox) Sandbox: python3(4411) deny(1) "
    "mach-lookup com.apple.coreservices.appleevents " TAG "_9\n"
    "2026-03-02 09:14:03.541 E  kernel[0:2f1d] (Sandbox) Sandbox: other(99) deny(1) "
    "file-read-data /etc/x srt_00000000000000cd_1\n"
    "2026-03-02 09:14:03.542 E  kernel[0:2f1d] (Sandbox) Sandbox: untagged(98) deny(1) "
    "file-read-data /etc/y\n"
    "2026-03-02 09:14:03.543 Df kernel[0:2f1d] (Sandbox) some unrelated message\n"
    "2026-03-02 09:14:03.550 E  kernel[0:2f1d] (Sandbox) Sandbox: ls(4412) deny(1) "
    "process-info-pidinfo " TAG "_10\n"
    "2026-03-02 09:14:03.551 E  kernel[0:2f1d] (Sandbox) Sandbox: sh(4413) deny(1) "
    "file-write-unlink /Users/alice/proj " TAG "_10\r\n";

struct got {
	struct sblog_event ev[32];
	size_t n;
};

static int collect(void *ud, const struct sblog_event *ev)
{
	struct got *g = ud;

	if (g->n < 32)
		g->ev[g->n++] = *ev;
	return 0;
}

static void check_events(const struct got *g, const char *what)
{
	is_int(g->n, 7, "%s: seven events", what);
	if (g->n < 7)
		return;
	is_str(g->ev[0].process, "curl", "%s: process", what);
	is_int(g->ev[0].pid, 51234, "%s: pid", what);
	is_str(g->ev[0].operation, "network-outbound", "%s: operation", what);
	is_str(g->ev[0].target, "93.184.216.34:443", "%s: target without the tag", what);
	is_int(g->ev[0].child, 7, "%s: child from the tag", what);
	is_str(g->ev[1].target, "/Users/alice/proj/.git/hooks/pre-commit", "%s: path", what);
	is_str(g->ev[2].process, "Code Helper (Renderer)", "%s: name with spaces and parentheses",
	       what);
	is_int(g->ev[2].pid, 812, "%s: its pid", what);
	is_str(g->ev[2].target, "/Users/alice/.ssh/id ed25519", "%s: target with a space", what);
	is_int(g->ev[2].child, 8, "%s: child 8", what);
	is_str(g->ev[3].target, "/private/var/run/docker.sock", "%s: tag on the next line", what);
	is_int(g->ev[3].child, 9, "%s: child from the next line", what);
	is_str(g->ev[4].target, "com.apple.coreservices.appleevents", "%s: mach-lookup", what);
	is_str(g->ev[5].operation, "process-info-pidinfo", "%s: no target", what);
	is_str(g->ev[5].target, "", "%s: empty target", what);
	is_str(g->ev[6].target, "/Users/alice/proj", "%s: CRLF line", what);
}

static void test_whole_and_split(void)
{
	struct got whole = {0};
	struct sblog_monitor m;
	size_t n = sizeof(stream) - 1;

	sblog_monitor_init(&m, SESSION, collect, &whole);
	is_int(sblog_monitor_feed(&m, stream, n), 0, "fed in one read");
	is_int(sblog_monitor_finish(&m), 0, "finished");
	check_events(&whole, "one read");
	is_int(m.untagged, 2, "the untagged report and the other session's are dropped, counted");
	is_int(m.skipped, 3, "the two header lines and the unrelated line skipped (%llu)",
	       (unsigned long long)m.skipped);

	/* every split point: the same events (reference B11 lost split lines) */
	size_t bad = 0;
	for (size_t cut = 0; cut <= n; cut++) {
		struct got g = {0};

		sblog_monitor_init(&m, SESSION, collect, &g);
		sblog_monitor_feed(&m, stream, cut);
		sblog_monitor_feed(&m, stream + cut, n - cut);
		sblog_monitor_finish(&m);
		if (g.n != whole.n || memcmp(g.ev, whole.ev, g.n * sizeof(g.ev[0])) != 0)
			bad++;
	}
	is_int(bad, 0, "all %zu two-read splits give the same events", n + 1);

	/* byte by byte */
	struct got g = {0};
	sblog_monitor_init(&m, SESSION, collect, &g);
	for (size_t i = 0; i < n; i++)
		sblog_monitor_feed(&m, stream + i, 1);
	sblog_monitor_finish(&m);
	check_events(&g, "byte by byte");
}

static void test_lines_limits(void)
{
	struct got g = {0};
	struct sblog_monitor m;
	char *big = malloc(SBLOG_LINE_MAX + 100);
	static const char ok_line[] = "Sandbox: a(1) deny(1) file-read-data /x " TAG "_1\n";

	memset(big, 'A', SBLOG_LINE_MAX + 99);
	big[SBLOG_LINE_MAX + 99] = '\n';
	sblog_monitor_init(&m, SESSION, collect, &g);
	sblog_monitor_feed(&m, big, SBLOG_LINE_MAX / 2);
	sblog_monitor_feed(&m, big + SBLOG_LINE_MAX / 2, SBLOG_LINE_MAX + 100 - SBLOG_LINE_MAX / 2);
	sblog_monitor_feed(&m, ok_line, sizeof(ok_line) - 1);
	sblog_monitor_finish(&m);
	is_int(m.lines.overlong, 1, "an over-long line is dropped and counted");
	is_int(g.n, 1, "the next line is parsed");
	free(big);

	static const char nul_line[] = "Sandbox: a(1) deny(1) file-read-data /x\0y " TAG "_1\n";
	g.n = 0;
	sblog_monitor_init(&m, SESSION, collect, &g);
	sblog_monitor_feed(&m, nul_line, sizeof(nul_line) - 1);
	is_int(g.n, 0, "a line with a NUL byte is dropped");
	is_int(m.lines.with_nul, 1, "and counted");

	/* a partial last line is parsed at EOF */
	static const char partial[] = "Sandbox: a(1) deny(1) file-read-data /x " TAG "_3";
	g.n = 0;
	sblog_monitor_init(&m, SESSION, collect, &g);
	sblog_monitor_feed(&m, partial, sizeof(partial) - 1);
	is_int(g.n, 0, "nothing before EOF");
	sblog_monitor_finish(&m);
	is_int(g.n, 1, "the partial last line at EOF");
}

struct parse_row {
	const char *line;
	int ret;
	const char *process, *operation, *target;
	bool tagged;
};

static void test_parse_rows(void)
{
	static const struct parse_row rows[] = {
	    {"Sandbox: x(1) deny(1) file-read-data /a " TAG "_0", 1, "x", "file-read-data", "/a",
	     true},
	    {"Sandbox: x(1) deny(1) file-read-data /a", 1, "x", "file-read-data", "/a", false},
	    /* a tag of another session stays part of the target, untagged */
	    {"Sandbox: x(1) deny(1) file-read-data /a srt_0000000000000001_1", 1, "x",
	     "file-read-data", "/a srt_0000000000000001_1", false},
	    /* a forged "(1) deny(1)" later in the name region: the first one wins */
	    {"Sandbox: a(2) deny(1) file-read-data /b(3) deny(1) x", 1, "a", "file-read-data",
	     "/b(3) deny(1) x", false},
	    {"Sandbox: (1) deny(1) file-read-data /a", 0, NULL, NULL, NULL, false},
	    {"Sandbox: x(1) allow(1) file-read-data /a", 0, NULL, NULL, NULL, false},
	    {"Sandbox: x(1) deny(1)", 0, NULL, NULL, NULL, false},
	    {"Sandbox: x(1) deny(1) FILE-READ /a", 0, NULL, NULL, NULL, false},
	    {"Sandbox: x(123456789012) deny(1) file-read-data /a", 0, NULL, NULL, NULL, false},
	    {"Sandbox: 3 duplicate reports for x deny(1) file-read-data /a", 0, NULL, NULL, NULL,
	     false},
	    {"no marker at all", 0, NULL, NULL, NULL, false},
	    {"", 0, NULL, NULL, NULL, false},
	    /* child id overflow: not a tag */
	    {"Sandbox: x(1) deny(1) file-read-data /a " TAG "_99999999999999999999", 1, "x",
	     "file-read-data", "/a " TAG "_99999999999999999999", false},
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct sblog_event ev;
		int r = sblog_parse_line(rows[i].line, strlen(rows[i].line), SESSION, &ev);

		is_int(r, rows[i].ret, "row %zu: parse result", i);
		if (r != 1 || rows[i].ret != 1)
			continue;
		is_str(ev.process, rows[i].process, "row %zu: process", i);
		is_str(ev.operation, rows[i].operation, "row %zu: operation", i);
		is_str(ev.target, rows[i].target, "row %zu: target", i);
		is_int(ev.tagged, rows[i].tagged, "row %zu: tagged", i);
	}

	/* a long target is cut, NUL-terminated */
	char *line = malloc(SBLOG_TARGET_MAX * 2 + 64);
	struct sblog_event ev;
	int k = snprintf(line, 64, "Sandbox: x(1) deny(1) file-read-data /");
	memset(line + k, 'p', SBLOG_TARGET_MAX * 2);
	line[k + SBLOG_TARGET_MAX * 2] = '\0';
	is_int(sblog_parse_line(line, strlen(line), SESSION, &ev), 1, "long target parsed");
	is_int(strlen(ev.target), SBLOG_TARGET_MAX - 1, "long target cut to the field size");
	free(line);
}

static void test_kinds_and_store(void)
{
	struct vstore *vs = NULL;
	struct sblog_monitor m;
	srt_violation *v = NULL;

	is_int(vstore_new(0, &vs), 0, "store");
	sblog_monitor_init(&m, SESSION, sblog_record_violation, vs);
	static const char more[] =
	    "Sandbox: x(5) deny(1) mach-lookup com.apple.diagnosticd " TAG "_7\n"
	    "Sandbox: evil\x1b]0;pwned\x07(5) deny(1) file-read-data /a\x1b[2J " TAG "_7\n";
	sblog_monitor_feed(&m, stream, sizeof(stream) - 1);
	sblog_monitor_feed(&m, more, sizeof(more) - 1);
	sblog_monitor_finish(&m);
	ssize_t n = vstore_copy(vs, 0, &v);
	is_int(n, 8, "eight violations recorded (the diagnosticd lookup left out)");
	if (n == 8) {
		is_int(v[0].kind, SRT_VIOLATION_NETWORK, "network-outbound to an address: NETWORK");
		is_int(v[1].kind, SRT_VIOLATION_FILE_WRITE, "file-write-create: FILE_WRITE");
		is_int(v[2].kind, SRT_VIOLATION_FILE_READ, "file-read-data: FILE_READ");
		is_int(v[3].kind, SRT_VIOLATION_UNIX_SOCKET,
		       "network-outbound to a path: UNIX_SOCKET");
		is_int(v[4].kind, SRT_VIOLATION_SYSCALL, "mach-lookup: SYSCALL");
		is_int(vstore_total(vs, 7), 3, "child 7 has its three (the noise not counted)");
		ok(strchr(v[7].command, '\x1b') == NULL && strchr(v[7].target, '\x1b') == NULL,
		   "escape sequences in a process name and a path are escaped in the store");
	}
	srt_violations_free(v, n > 0 ? (size_t)n : 0);
	vstore_free(vs);
}

int main(void)
{
	test_whole_and_split();
	test_lines_limits();
	test_parse_rows();
	test_kinds_and_store();
	return tap_exit();
}
