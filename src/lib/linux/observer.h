/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports the system calls the sandbox's seccomp filter refuses (issue 4). srt-exec installs
 * the filter inside the sandbox with a notification listener and sends the listener over a
 * socket; the observer thread answers every notification with EPERM and reports it.
 */
#pragma once

#include "srt/srt.h"

struct observer;

/* Called on the observer's thread for each refused call. */
typedef void (*observer_fn)(void *ud, srt_violation_kind kind, const char *target,
			    const char *operation);

/* Starts the thread on `sock` (srt's end of the socket pair; taken, closed by
 * observer_stop()). Returns 0 or -errno. */
int observer_start(int sock, observer_fn fn, void *ud, struct observer **ret);

/* Ends the thread (at once, even if the sandbox still runs: later refusals then fail with
 * ENOSYS instead of EPERM, unreported) and frees everything. NULL-safe; returns NULL. */
struct observer *observer_stop(struct observer *o);
