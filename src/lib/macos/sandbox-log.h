/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the macOS violation monitor's parser. srt runs
 *   log stream --style compact --predicate 'eventMessage CONTAINS "srt_<SESSION>_"'
 * and feeds its stdout here in whatever pieces read() returns. Every deny rule of the profile
 * carries the tag "srt_<16 hex digits of the session>_<child id>" (seatbelt_tag()), which the
 * kernel's report of a denial repeats, on the same line after the target or on the line after.
 *
 * A denial report reads (after the log's own timestamp, type and process columns):
 *   Sandbox: NAME(PID) deny(COUNT) OPERATION [TARGET] [TAG]
 * e.g. "Sandbox: curl(4242) deny(1) network-outbound 1.2.3.4:443 srt_00000000000000ab_7".
 * The format is Apple's and undocumented; it was taken from published reports, not from a
 * Mac (docs/macos.md). Lines that do not have this shape, or whose tag is not this session's,
 * are skipped and counted.
 *
 * Lines (the reference's bug B11 was to parse per read() chunk, losing lines split across
 * reads and all but the first report of a chunk): bytes are assembled into lines of at most
 * SBLOG_LINE_MAX bytes; a longer line is dropped up to its newline and counted; a line holding
 * a NUL byte is dropped; "\r\n" is a newline. A partial last line is parsed at EOF
 * (sblog_monitor_finish()).
 *
 * The sandboxed program chooses its own name and the paths it touches, so every field is
 * attacker-chosen text: fields are cut to fixed sizes, and the violation store escapes them.
 * A report can at worst misdescribe the program's own denial; it decides nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srt/srt.h"

#define SBLOG_LINE_MAX 16384   /* bytes of one log line */
#define SBLOG_PROCESS_MAX 256  /* bytes of a process name kept */
#define SBLOG_OPERATION_MAX 64 /* bytes of an operation name */
#define SBLOG_TARGET_MAX 4096  /* bytes of a target kept (longer is cut) */

struct sblog_event {
	char process[SBLOG_PROCESS_MAX];
	long pid;
	char operation[SBLOG_OPERATION_MAX];
	char target[SBLOG_TARGET_MAX]; /* path, "host:port", service name; may be empty */
	uint64_t child;		       /* from the tag */
	bool tagged;		       /* the tag was on this line */
};

/* Parses one line (no newline). Returns 1 and fills *ev for a denial report (ev->tagged says
 * whether this session's tag was on the line), 0 for anything else. session: this session. */
int sblog_parse_line(const char *line, size_t len, uint64_t session, struct sblog_event *ev);

/* Is the line (trimmed) nothing but this session's tag? Sets *child. */
bool sblog_parse_tag_line(const char *line, size_t len, uint64_t session, uint64_t *child);

/* The violation kind of an operation: file-read* → FILE_READ, file-write* → FILE_WRITE,
 * network* on a path → UNIX_SOCKET, other network* → NETWORK, anything else → SYSCALL. */
srt_violation_kind sblog_kind(const struct sblog_event *ev);

/* Line assembly. */
struct sblog_lines {
	char buf[SBLOG_LINE_MAX];
	size_t len;
	bool discarding; /* inside an over-long line */
	uint64_t overlong, with_nul;
};
typedef int (*sblog_line_fn)(void *userdata, const char *line, size_t len);
/* Calls fn for every complete line in data (after what earlier calls left). A negative return
 * of fn stops and is returned. */
int sblog_lines_feed(struct sblog_lines *a, const char *data, size_t n, sblog_line_fn fn,
		     void *userdata);
/* The partial last line, if any, at EOF. */
int sblog_lines_finish(struct sblog_lines *a, sblog_line_fn fn, void *userdata);

/* The monitor: lines → events, a report whose tag is on the next line joined with it. */
typedef int (*sblog_event_fn)(void *userdata, const struct sblog_event *ev);
struct sblog_monitor {
	struct sblog_lines lines;
	uint64_t session;
	sblog_event_fn fn;
	void *userdata;
	struct sblog_event pending;
	bool has_pending;
	uint64_t events, skipped, untagged;
};
void sblog_monitor_init(struct sblog_monitor *m, uint64_t session, sblog_event_fn fn,
			void *userdata);
int sblog_monitor_feed(struct sblog_monitor *m, const char *data, size_t n);
int sblog_monitor_finish(struct sblog_monitor *m);

/* An sblog_event_fn that records into a violation store (userdata: struct vstore *), with the
 * child id from the tag; a few reports that every command triggers and that say nothing about
 * it (the log and analytics daemons' lookups) are left out. */
int sblog_record_violation(void *userdata, const struct sblog_event *ev);
