/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The internal interface between the manager and a platform backend: what a backend must do to
 * run one command in a sandbox and report what the sandbox refused.
 *
 * manager.c is the platform-independent part: it checks the settings, filters the environment,
 * looks the command up in PATH, finds the working and home directories and the git
 * configuration files whose includes must be protected (git-includes.h), runs the proxy and
 * keeps the violations, waits and reaps. Everything that builds and runs a sandbox is behind
 * this table, and the manager calls nothing else of a backend. The backend is chosen at compile
 * time (backend_current):
 *
 * Linux: linux/backend-linux.c (backend_linux): bubblewrap probe and user namespaces, the
 *   filesystem scan, mount plan, placeholders, git include targets as mount rules, seccomp,
 *   Landlock through srt-exec, the network namespace, the keeper thread, the observer (seccomp
 *   listener and the srt-report.so FIFO), bwrap's exit status.
 * macOS: macos/seatbelt-exec.c (backend_macos), compiled only when meson's
 *   host_machine.system() is 'darwin' (syntax-checked on Linux): the proxy on the host's
 *   loopback, the profile (macos/seatbelt-prepare.c, pure apart from realpath and reading git
 *   configurations, built and tested on Linux), posix_spawn of sandbox-exec, `log stream`.
 *   NOT RUN ON A MAC (docs/macos.md).
 *
 * A backend's state lives in the manager's structures (manager-internal.h): fields of
 * srt_manager and srt_child that only one backend touches are marked as such there.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "srt/srt.h"
#include "error.h"
#include "settings.h"

/* What the manager prepared for one command, the same on every platform. */
struct backend_spawn {
	srt_manager *m;
	const srt_spawn_opts *o;	     /* may be NULL */
	const struct srt_settings *settings; /* the manager's */
	const struct srt_settings *fs;	     /* this command's filesystem rules (o's, or settings) */
	const char *home;		     /* absolute, or NULL (no HOME and no passwd entry) */
	const char *cwd;		     /* the command's working directory, absolute */
	const char *tmpdir;		     /* the caller's TMPDIR (absolute) or NULL */
	const char *exe;		     /* argv[0] as found in PATH */
	bool network;			     /* srt's proxy runs for this command */
	char *const *argv;
	char *const *caller_env; /* as the caller gave it (PATH is looked up in it) */
	char *const *envp;	 /* the command's, filtered; a backend copies it and adds its own */
	/* git's configuration files outside repositories (git_config_files()): both backends
	 * follow their includes with git_includes_follow() and protect every target; the
	 * files named by $GIT_CONFIG_GLOBAL / $GIT_CONFIG_SYSTEM (git_named) are themselves
	 * never writable */
	char *const *git_configs;
	char *const *git_named;
};

struct backend_ops {
	const char *name;
	/* Can this backend run here (Linux: bubblewrap found in path_env and usable, user
	 * namespaces; macOS: sandbox-exec)? 0, or -errno with *reterr set to a sentence. */
	int (*probe)(srt_manager *m, const char *path_env, srt_error **reterr);
	/* Builds the sandbox and starts the command in it; *ret is the new child (child_new()),
	 * its pid the process to wait for. */
	int (*spawn)(const struct backend_spawn *s, srt_child **ret, srt_error **reterr);
	/* Starts reporting this child's refusals into its violation store; monitor_stop() ends
	 * it, idempotent. A failure that only loses reports is logged and returns 0; a negative
	 * return (with *reterr) means the sandbox must not go on without its monitor (a backend
	 * whose monitor also enforces something): the manager then kills and frees the child. */
	int (*monitor_start)(srt_child *ch, srt_error **reterr);
	void (*monitor_stop)(srt_child *ch);
	/* A signal for the sandboxed command (the child is not reaped yet). */
	int (*kill)(srt_child *ch, int sig);
	/* After the child was reaped: the command's exit status (0-255, 128+N for a signal), or
	 * an error when the sandbox could not run the command. Releases what the sandbox held. */
	int (*exit_status)(srt_child *ch, int *ret_status, srt_error **reterr);
	/* Frees the backend's part of a child, and of the manager. */
	void (*child_free)(srt_child *ch);
	void (*manager_free)(srt_manager *m);
	/* srt_manager_set_bwrap_path(): -EOPNOTSUPP where there is no bubblewrap. */
	int (*set_bwrap_path)(srt_manager *m, const char *path);
};

extern const struct backend_ops backend_linux; /* linux/backend-linux.c, Linux build only */
extern const struct backend_ops backend_macos; /* macos/seatbelt-exec.c, macOS build only */

#if defined(__APPLE__)
#define backend_current backend_macos
#else
#define backend_current backend_linux
#endif
