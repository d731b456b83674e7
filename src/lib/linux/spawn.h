/* SPDX-License-Identifier: Apache-2.0 */
/* fork + exec of bubblewrap with a prepared set of descriptors. */
#pragma once

#include <sys/types.h>

#include "error.h"

/* Descriptors given to bwrap, in this order, as fds 3, 4, ... of the new process; every other
 * descriptor above 2 is closed. The same source may appear several times (each copy gets its
 * own number: bwrap closes a data fd after reading it). */
struct spawn_fds {
	const int *src;
	size_t n;
	int stdio[3]; /* replacement for fds 0, 1, 2, or -1 to keep the caller's */
};

/* Forks; the child resets signal state, moves into its own process group (terminal signals go
 * to srt, which forwards them), asks for SIGKILL when srt dies, arranges fds and execs
 * `path` with argv/envp. Returns the pid, or -errno. */
pid_t spawn_bwrap(const char *path, char *const argv[], char *const envp[],
		  const struct spawn_fds *fds, srt_error **reterr);
