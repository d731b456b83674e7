/* SPDX-License-Identifier: Apache-2.0 */
/* fork + exec of bubblewrap with a prepared set of descriptors. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "linux/netns.h"

/* Descriptors given to bwrap, in this order, as fds 3, 4, ... of the new process; every other
 * descriptor above 2 is closed. The same source may appear several times (each copy gets its
 * own number: bwrap closes a data fd after reading it). */
struct spawn_fds {
	const int *src;
	size_t n;
	int stdio[3]; /* replacement for fds 0, 1, 2, or -1 to keep the caller's */
	unsigned long nofile; /* RLIMIT_NOFILE soft limit for bwrap and the command; 0 = as is */
};

/* A network namespace of srt's own for the sandbox (needs own_pidns): the child creates it with
 * the user and pid namespaces, brings loopback up, creates the listeners and hands them to srt
 * (netns.h) before it executes bwrap, which must then run without --unshare-net. */
struct spawn_net {
	const struct netns_listener *listen;
	size_t n;
	int *ret_fds; /* receives n listener descriptors (CLOEXEC, non-blocking) */
};

/* Forks; the child resets signal state, moves into its own process group (terminal signals go
 * to srt, which forwards them), asks for SIGKILL when srt dies, arranges fds and execs
 * `path` with argv/envp. With own_pidns the child is pid 1 of a new user+pid namespace (so
 * that its death takes every sandbox process along); *ret_own_pidns says whether that was
 * possible. Returns the pid (in the caller's namespace), or -errno. */
pid_t spawn_bwrap(const char *path, char *const argv[], char *const envp[],
		  const struct spawn_fds *fds, bool own_pidns, const struct spawn_net *net,
		  bool *ret_own_pidns, srt_error **reterr);
