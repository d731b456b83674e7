/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The internal interface between the manager and a platform backend: what a backend must do to
 * run one command in a sandbox and report what the sandbox refused.
 *
 * Linux: the manager's own bwrap path (manager.c, linux/); it predates this table and is not
 * routed through it yet, so the Linux behaviour is exactly what it was.
 * macOS: macos/seatbelt-exec.c, compiled only when meson's host_machine.system() is 'darwin';
 * everything it needs apart from posix_spawn and the two Apple programs (sandbox-exec, log) is
 * pure and tested on Linux (macos/seatbelt-profile.c, macos/sbpl.c, macos/sandbox-log.c).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "settings.h"

struct vstore;

struct backend_spawn {
	const struct srt_settings *settings;
	const char *home, *cwd, *tmpdir; /* absolute; tmpdir may be NULL */
	uint16_t http_port, socks_port;	 /* srt's proxy on the host's loopback; 0 = none */
	uint64_t session, child;	 /* for the violation tag */
	char *const *argv;		 /* the command, argv[0] looked up in PATH already */
	char *const *envp;
	int fds[3]; /* the command's stdin, stdout, stderr */
};

struct backend_monitor;

struct backend_ops {
	const char *name;
	/* Can this backend run here? -ENOENT / -EPERM etc. with a sentence in *ret_reason. */
	int (*probe)(char **ret_reason);
	/* Starts the sandboxed command; *ret_pid is its process (to wait for). */
	int (*spawn)(const struct backend_spawn *s, pid_t *ret_pid, char **ret_reason);
	/* Starts reporting this session's refusals into vs; stop with monitor_stop(). */
	int (*monitor_start)(uint64_t session, struct vstore *vs, struct backend_monitor **ret);
	void (*monitor_stop)(struct backend_monitor *m);
};

/* Defined only in the macOS build. */
extern const struct backend_ops backend_macos;
