/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable stand-ins for the Linux-only calls the network proxy makes (accept4, socket and pipe
 * flags, eventfd, MSG_NOSIGNAL, getrandom, pthread_condattr_setclock, pthread_setname_np), so
 * that src/lib/net/ builds on macOS, where the proxy serves the sandbox on the host's loopback.
 *
 * Which implementation is compiled:
 *
 *	SRT_NET_LINUX 1   Linux, default build: the Linux calls, behaviour as before.
 *	SRT_NET_LINUX 0   any other system, or Linux built with -Dportable_net=true (the meson
 *	                  option defines SRT_PORTABLE_NET): POSIX calls only (plus arc4random_buf
 *	                  and SO_NOSIGPIPE where the system has them). The forced build is how the
 *	                  portable code is exercised here: there is no Mac to run it on.
 *
 * Every function returns -errno on failure, like the rest of libsrt; every descriptor it makes
 * is close-on-exec and (where the name says so) non-blocking.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#if defined(__linux__) && !defined(SRT_PORTABLE_NET)
#define SRT_NET_LINUX 1
#else
#define SRT_NET_LINUX 0
#endif

/* send() flag that keeps a write to a closed peer from raising SIGPIPE. Systems without it get
 * SO_NOSIGPIPE on every socket compat makes (compat_socket_nosigpipe()). The proxy thread also
 * runs with every signal blocked, so either one alone would keep the process alive. */
#ifdef MSG_NOSIGNAL
#define COMPAT_MSG_NOSIGNAL MSG_NOSIGNAL
#else
#define COMPAT_MSG_NOSIGNAL 0
#endif

/* "linux" or "portable": which set of calls this build uses (logs, tests). */
const char *compat_net_flavour(void);

/* SO_NOSIGPIPE where the system has it (macOS, BSDs); a no-op returning 0 elsewhere. */
int compat_socket_nosigpipe(int fd);

/* socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol). The portable path sets the
 * flags with fcntl() right after socket(): see compat_accept_nonblock() for why the window is
 * acceptable. Returns the descriptor or -errno. */
int compat_socket_nonblock(int domain, int type, int protocol);

/*
 * accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC). Returns the descriptor or -errno
 * (-EAGAIN when nothing is pending).
 *
 * The portable path is accept() and then fcntl(FD_CLOEXEC, O_NONBLOCK): between the two calls a
 * fork()+exec() on another thread would inherit the descriptor. That race is acceptable where
 * this path runs: on macOS every process srt starts is started with posix_spawn() and
 * POSIX_SPAWN_CLOEXEC_DEFAULT (docs/macos.md), which closes every descriptor not named in its
 * file actions whatever its FD_CLOEXEC flag says, and libsrt never calls plain fork()+exec()
 * there. On Linux the forced portable build is a test build only.
 */
int compat_accept_nonblock(int lfd);

/* pipe2(p, O_CLOEXEC | O_NONBLOCK), or pipe() + fcntl() (same window as above). */
int compat_pipe_nonblock(int p[2]);

/*
 * A level wake-up descriptor for another thread to make a poll loop return: an eventfd on Linux,
 * a non-blocking pipe elsewhere. `rfd` is what the loop watches for readability; `wfd` is what
 * notify_signal() writes (the same descriptor for an eventfd). Readable from the first
 * notify_signal() until notify_drain().
 */
struct srt_notify {
	int rfd, wfd;
};

#define SRT_NOTIFY_INIT { .rfd = -1, .wfd = -1 }

int notify_open(struct srt_notify *n);
/* Never blocks; safe from any thread while the notifier is open. A full pipe (or a saturated
 * eventfd counter) is already readable, so a failed write loses nothing. */
void notify_signal(const struct srt_notify *n);
/* Makes it unreadable again (reads everything pending). Loop thread only. */
void notify_drain(const struct srt_notify *n);
/* Closes both ends (NULL-safe, idempotent). */
void notify_close(struct srt_notify *n);

/*
 * len random bytes from the kernel, all of them or an error: getrandom() on Linux (a short read
 * is retried, never returned as success), arc4random_buf() on Apple, getentropy() in 256-byte
 * pieces elsewhere (and in the forced portable build). Returns 0 or -errno.
 */
int compat_random_bytes(void *buf, size_t len);

/* Names the calling thread (at most 15 bytes are kept); best effort. */
void compat_thread_setname(const char *name);

/*
 * A condition variable that waits until a CLOCK_MONOTONIC deadline. Linux: the condition uses
 * CLOCK_MONOTONIC (pthread_condattr_setclock). Portable (macOS has no setclock): a plain
 * condition whose timed wait converts the remaining monotonic time to a CLOCK_REALTIME deadline,
 * at most COMPAT_COND_MAX_WAIT_MS ahead, so that a wall clock set back delays nothing by more
 * than that. Callers must re-check their deadline after every wake-up (they already do: waits
 * may end early for any reason).
 */
#define COMPAT_COND_MAX_WAIT_MS 1000
int compat_cond_init_monotonic(pthread_cond_t *c);
/* Returns 0 or ETIMEDOUT (pthread convention, positive), like pthread_cond_timedwait(). */
int compat_cond_timedwait_monotonic(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline_ns);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t compat_monotonic_ns(void);
