/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports what the sandbox refused (issue 4), on one thread per sandbox:
 *  - system calls the seccomp filter refuses: srt-exec installs the filter inside the sandbox
 *    with a notification listener and sends the listener over a socket with its status
 *    (manager.c receives it); the thread answers every notification with EPERM and reports it;
 *  - lines srt-report.so writes to a FIFO (failed file accesses): framed at '\n' and handed
 *    on; a line longer than OBSERVER_LINE_MAX is dropped whole.
 * Either source is optional. The thread never decides anything (see observer.c).
 */
#pragma once

#include "srt/srt.h"

struct observer;

/* Called on the observer's thread for each refused call. */
typedef void (*observer_fn)(void *ud, srt_violation_kind kind, const char *target,
			    const char *operation);

/* Called on the observer's thread for each line from the FIFO (without its '\n'; any bytes). */
typedef void (*observer_line_fn)(void *ud, const char *line, size_t len);

#define OBSERVER_LINE_MAX 4096 /* PIPE_BUF: longer lines are not srt-report's */

struct observer_cfg {
	int listener; /* the seccomp listener srt-exec sent, or -1 (no system calls observed) */
	int fifo;   /* the report FIFO, opened O_RDWR | O_NONBLOCK, or -1 */
	observer_fn fn;           /* for listener */
	observer_line_fn line_fn; /* for fifo */
	void *ud;
	/* The creation guard (guard.h), or NULL: its calls are handed to guard_handle(), the
	 * others are answered and reported as before (fn may then be NULL: answered, not
	 * reported). Taken by observer_start() (freed by observer_stop(), or here on failure). */
	struct guard *guard;
};

/* Starts the thread. The descriptors are taken (closed by observer_stop(), or here on
 * failure). Returns 0 or -errno. */
int observer_start(const struct observer_cfg *cfg, struct observer **ret);

/* Ends the thread (at once, even if the sandbox still runs: later refusals, and guarded
 * creations, then fail with ENOSYS instead of EPERM, unreported; the lines already in the FIFO are read first) and
 * frees everything. NULL-safe; returns NULL. */
struct observer *observer_stop(struct observer *o);
