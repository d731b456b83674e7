/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports the system calls the sandbox's seccomp filter refuses (issue 4). srt-exec installs
 * the filter inside the sandbox with a notification listener and sends the listener over a
 * socket with its status (manager.c receives it); the observer thread answers every
 * notification with EPERM and reports it.
 */
#pragma once

#include "srt/srt.h"

struct observer;

/* Called on the observer's thread for each refused call. */
typedef void (*observer_fn)(void *ud, srt_violation_kind kind, const char *target,
			    const char *operation);

/* Starts the thread on `listener` (the seccomp listener srt-exec sent with its status; taken
 * on success, closed by observer_stop()). Returns 0 or -errno (then the caller closes it). */
int observer_start(int listener, observer_fn fn, void *ud, struct observer **ret);

/* Ends the thread (at once, even if the sandbox still runs: later refusals then fail with
 * ENOSYS instead of EPERM, unreported) and frees everything. NULL-safe; returns NULL. */
struct observer *observer_stop(struct observer *o);
