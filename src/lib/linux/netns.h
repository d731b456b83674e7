/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's network namespace, set up by the child srt clones for bwrap (issue 3): loopback
 * up and the proxy's listening sockets created inside it, then handed to srt over a socket pair
 * (SCM_RIGHTS), so that the proxy in srt accepts the sandbox's connections with no relay process.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define NETNS_MAX_LISTENERS 8

struct netns_listener {
	int family;    /* AF_INET (127.0.0.1) or AF_INET6 (::1) */
	uint16_t port; /* in the sandbox's namespace, e.g. 3128 */
};

/* Runs in the child between clone(CLONE_NEWNET | CLONE_NEWUSER ...) and execve: only system
 * calls, no allocation. Brings "lo" up, creates the listeners (non-blocking, CLOEXEC) and sends
 * them, in order, over `sock`. Returns 0 or -errno. */
int netns_child_setup(int sock, const struct netns_listener *l, size_t n);

/* Runs in srt: receives the n listener descriptors sent by netns_child_setup() (CLOEXEC).
 * Returns 0, or -errno (-EPIPE if the child went away first). */
int netns_receive_listeners(int sock, int *ret_fds, size_t n);
