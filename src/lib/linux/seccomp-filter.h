/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter that bwrap installs on the sandboxed command (`bwrap --seccomp FD`).
 * (Named seccomp-filter.h, not seccomp.h, so it never shadows the kernel's <linux/seccomp.h>.) */
#ifndef SRT_LINUX_SECCOMP_H
#define SRT_LINUX_SECCOMP_H

#include <stdbool.h>

#include "error.h"

struct seccomp_policy {
	bool allow_unix_sockets;  /* settings network.allowAllUnixSockets */
	bool allow_nested_userns; /* settings allowNestedUserNamespaces */
	/* EPERM denials return SECCOMP_RET_USER_NOTIF instead, for srt's listener to record and
	 * answer with EPERM (the filter must then be loaded with a listener: srt-exec.c) */
	bool notify;
	/* the creation guard's traps (linux/guard.h): SECCOMP_RET_USER_NOTIF for the calls that
	 * create or name a file, whatever `notify` says (a listener is then required) */
	bool guard;
};

/* Builds the sandbox filter with libseccomp (default action ALLOW, a deny list) for the native
 * architecture and the compat ABIs the kernel may run on this host (x86_64: also i386 and x32;
 * aarch64: also arm). System calls of any other ABI hit libseccomp's bad-arch action (kill).
 * The program is exported with seccomp_export_bpf() into a sealed memfd positioned at offset 0;
 * its size is a non-zero multiple of 8 (struct sock_filter) and at most BPF_MAXINSNS entries.
 *
 * *ret_fd is O_CLOEXEC: the caller hands it to bwrap by dup2()ing it onto the number it passes
 * as `--seccomp N` (or by clearing FD_CLOEXEC) in the child, and closes it afterwards.
 *
 * Returns 0, or -errno with *reterr set: SRT_E_UNSUPPORTED when the kernel or libseccomp lacks
 * something (memfd, an architecture), SRT_E_SYSTEM for other failures. *ret_fd is untouched on
 * failure. */
int seccomp_build_filter_fd(const struct seccomp_policy *p, int *ret_fd, srt_error **reterr);

/* The same, through a cache file in `cache_dir` (srt's private state directory; NULL: no
 * cache). *ret_fd is either the cache file (read-only) or a new memfd. */
int seccomp_filter_fd_cached(const char *cache_dir, const struct seccomp_policy *p, int *ret_fd,
			     srt_error **reterr);

/* The GNU build-id of the loaded object that holds libsrt, as 40 hex digits (fewer for a
 * shorter id); false when it has none. Caches key on it, so a rebuilt srt never reads what an
 * older build wrote. */
bool libsrt_build_id(char hex[41]);

#endif /* SRT_LINUX_SECCOMP_H */
