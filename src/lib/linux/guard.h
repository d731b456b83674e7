/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The creation guard, srt's side (issue 5: deny patterns for files created during the run).
 *
 * When the settings have deny patterns that a path created in a write root could match, the
 * seccomp filter sends every call that creates or names a file (open/openat/creat with
 * O_CREAT, mkdir, mknod, rename, link, symlink and their *at forms) to srt's listener. The
 * observer thread hands those notifications to guard_handle(), which:
 *  1. reads the call's path strings ONCE from the caller's memory (process_vm_readv), fetches
 *     the directory descriptors it names (pidfd_getfd, /proc/TID/cwd), its umask, and checks
 *     that its root is the sandbox's (a process that changed root, or lives in a nested mount
 *     namespace, is refused: the helper could not see what it sees);
 *  2. checks SECCOMP_IOCTL_NOTIF_ID_VALID (the caller is still waiting: the pid, memory and
 *     descriptors were its own);
 *  3. sends the request to the helper (`srt-exec --guard`, guard-proto.h), which resolves the
 *     parent directory in the sandbox's namespaces, decides on its real path plus the name,
 *     and performs the call without capabilities, under the command's Landlock domain;
 *  4. answers the call with the helper's result: for opens the new descriptor is installed in
 *     the caller with SECCOMP_IOCTL_NOTIF_ADDFD (SECCOMP_ADDFD_FLAG_SEND, atomic with the
 *     answer). Nothing is ever answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel
 *     would re-read the path from memory that another thread may have changed.
 * Any failure on the way answers the call with an error (EPERM when srt could not act, EACCES
 * for a refusal): fail closed. A refusal by a pattern is reported as a file violation.
 */
#pragma once

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "srt/srt.h"

struct guard;

/* Called (on the observer's thread) for each refused creation: the refused real path, the
 * system call's name, and why (the pattern index, -1 for a conservative refusal). */
typedef void (*guard_report_fn)(void *ud, const char *path, const char *syscall, int rule,
				const char *why);

/* Takes `sock` (srt's end of the SOCK_SEQPACKET pair whose other end the helper `pid` holds)
 * and waits for the helper's ready message. Returns 0, or -errno with a sentence in why
 * (size bytes); sock is closed on failure. The helper is not killed or reaped here. */
int guard_attach(int sock, pid_t pid, guard_report_fn fn, void *ud, struct guard **ret,
		 char *why, size_t size);

/* Whether notification `req` is a guarded call; if it is, it has been answered. */
bool guard_handle(struct guard *g, int listener, const struct seccomp_notif *req);

/* Kills the helper (not reaped): a request it is stuck in (an O_CREAT open of a FIFO nobody
 * opens) then ends, and so does guard_handle(). For observer_stop(), before it joins the
 * thread. NULL-safe. */
void guard_kill(struct guard *g);

/* Closes the socket (the helper exits), kills and reaps the helper; NULL-safe; NULL. */
struct guard *guard_free(struct guard *g);
