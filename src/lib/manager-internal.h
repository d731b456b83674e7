/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's own structures, shared by manager.c (the platform-independent part: settings,
 * environment, command lookup, proxy, violations, waiting) and the platform backend that
 * builds and runs the sandbox (backend.h: linux/backend-linux.c, macos/seatbelt-exec.c).
 * Nothing outside these files includes it.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "srt/srt.h"
#include "backend.h"
#include "error.h"
#include "mount-plan.h"
#include "net/policy-slot.h"
#include "settings.h"
#include "shared/strv.h"
#ifdef __linux__
#include "linux/bwrap-probe.h"
#endif

struct keeper;
struct placeholders;
struct proxy;
struct host;
struct vstore;
struct observer;
struct file_report;
struct wrap_server;
struct backend_monitor;
struct guard;

struct srt_manager {
	struct srt_settings *s;
	bool allow_listed;         /* allowedDomains non-empty */
	struct policy_slot policy; /* the live network lists (srt_manager_update_network()) */
	srt_ask_fn ask_fn;         /* hosts in neither list, or NULL */
	void *ask_ud;
	unsigned ask_ms;
	const struct backend_ops *backend; /* backend.h: chosen at compile time */
	char *connect_helper; /* set by the caller, or NULL: found at spawn time */
	char *exec_helper;    /* srt-exec set by the caller, or NULL: found at spawn time */
	bool observe_syscalls; /* report refused system calls (srt-exec + observer) */
	bool observe_files;    /* report refused file accesses (srt-report.so + observer) */
	struct vstore *violations;
	uint64_t next_child; /* ids of children in the violation store */
	srt_log_fn log_fn;
	void *log_ud;
	/* srt_manager_spawn() may run on wrap-server threads next to the caller's: one at a time */
	pthread_mutex_t spawn_lock;
	pthread_mutex_t wrap_lock;
	struct wrap_server *wrap; /* created by the first srt_manager_wrap() */
#ifdef __linux__
	/* the Linux backend's (linux/backend-linux.c) */
	struct bwrap_info bwrap;
	bool probed;
	char *bwrap_path;
	struct keeper *keeper; /* the thread that forks for spawns from other threads */
#endif
};

struct srt_spawn_opts {
	char *cwd;
	char **env;
	int pty_terminal; /* -1: no pty */
	bool pty;
	unsigned long fd_limit; /* 0: the caller's */
	struct srt_settings *fs; /* per-command filesystem rules, or NULL */
	int stdio[3];		 /* the command's fds 0, 1, 2, or -1: the caller's */
};

/* File reports stored per child at most (each kind and path once): a sandbox flooding its FIFO
 * cannot push network or system-call evidence out of the store. */
#define FILE_REPORTS_MAX 128

struct srt_child {
	pid_t pid;
	int pidfd;
	int status_fd; /* read end of bwrap's --json-status-fd */
	struct buf status;
	pid_t sandbox_pid; /* pid 1 of the sandbox (outer pid), 0 until known */
	bool reaped;
	int wait_status;
	struct placeholders *ph;
	int pty_master;
	bool own_pidns; /* bwrap is pid 1 of a namespace of ours */
	struct proxy *proxy;
	int listeners[4]; /* HTTP v4, v6; SOCKS v4, v6 (sandbox side: 3128, 1080) */
	struct host *own_addrs;
	const srt_manager *m; /* for the proxy's log lines */
	struct vstore *violations; /* the manager's */
	struct observer *obs;      /* refused system calls, or NULL */
	srt_ask_fn ask_fn;         /* copied from the manager at spawn */
	void *ask_ud;
	unsigned ask_ms;
	uint64_t vid;              /* this child's id in it */
	char *command;             /* the command line, for violation records */
	/* file reports (observe_files): used on the observer thread only while it runs */
	struct mount_plan plan;    /* the plan that was mounted, to classify reports */
	char *state;               /* the private TMPDIR inside (never a violation) */
	char *report_fifo;         /* host path of the FIFO, unlinked at the end */
	struct file_report *frep;  /* scratch for one parsed line */
	uint64_t fseen[FILE_REPORTS_MAX]; /* hashes of reported (kind, path): each once */
	size_t n_fseen;
	uint64_t fdropped; /* reports past the cap */
	srt_landlock_level landlock; /* what srt-exec reported */
	char *landlock_text;         /* its description (srt_child_landlock()) */
	/* what monitor_start() takes over: Linux: the seccomp listener and the report FIFO
	 * (-EBADF: none); macOS: the log stream reader */
	int mon_listener, mon_fifo;
	struct guard *mon_guard;   /* Linux: the creation guard, until the observer takes it */
	char **guard_labels;       /* its deny entries, for its reports */
	struct backend_monitor *monitor;
};

/* Ports of srt's proxies inside the sandbox's network namespace (the reference's). */
#define PROXY_HTTP_PORT 3128
#define PROXY_SOCKS_PORT 1080

/* manager.c, for the backends */
void mlog(const srt_manager *m, srt_log_level lvl, const char *fmt, ...) SRT_PRINTF(3, 4);
/* A new child record (ids, command line, descriptors -EBADF); NULL on ENOMEM. */
srt_child *child_new(srt_manager *m, char *const argv[]);
/* A helper program of srt's (srt-exec, srt-report.so, ...), or NULL. */
char *find_helper(const char *name, const char *subdir);
char *find_connect_helper(const srt_manager *m);
/* srt's proxy on ch->listeners (ch->listeners[0..1] HTTP, [2..3] SOCKS5, -EBADF: none). */
int start_proxy(srt_manager *m, srt_child *ch, srt_error **reterr);
int open_pty(int terminal_fd, int *ret_master, int *ret_slave, srt_error **reterr);
